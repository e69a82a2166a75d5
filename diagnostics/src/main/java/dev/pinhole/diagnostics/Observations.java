package dev.pinhole.diagnostics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the RFC 5780 tests saw (section 4). Null means "not run"; for filtering, TRUE means an answer
 * came back through the NAT.
 *
 * @param local            the socket's own address
 * @param mappedPrimary    Test I: the mapping towards the server's primary address
 * @param otherAddress     the server's OTHER-ADDRESS (null: the server lacks RFC 5780)
 * @param mappedAltIp      mapping Test II: towards the alternate IP, primary port
 * @param mappedAltBoth    mapping Test III: towards the alternate IP and port
 * @param mappedSecondServer with two servers and no RFC 5780: the mapping towards the second one
 * @param changedIpAndPort filtering Test II: an answer from the other IP and port came in
 * @param changedPort      filtering Test III: an answer from the other port came in
 * @param hairpin          a packet sent to our own public address came back to us
 * @param hops             the routers towards the server (tracepath), or null when unknown
 * @param notes            tests that could not run, and why
 */
record Observations(InetSocketAddress local, InetSocketAddress mappedPrimary, InetSocketAddress otherAddress,
                    InetSocketAddress mappedAltIp, InetSocketAddress mappedAltBoth, InetSocketAddress mappedSecondServer,
                    Boolean changedIpAndPort, Boolean changedPort, Boolean hairpin, List<InetAddress> hops,
                    List<String> notes) {}
