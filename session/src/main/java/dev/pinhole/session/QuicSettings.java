package dev.pinhole.session;

import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.PinnedTrustManager;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * The QUIC settings both roles share, and their TLS: each side presents its identity certificate and
 * pins the other's key (the exposer's key comes from the rendezvous or {@code --expect-key}; the
 * connector's key from the rendezvous' Incoming message).
 */
public final class QuicSettings {
    /** ALPN: QUIC requires one; it also keeps other QUIC clients from speaking to us by accident. */
    static final String ALPN = "pinhole/1";
    /** Idle sessions end after this; the connector opens a new one on the next connection. */
    static final long IDLE_TIMEOUT_SECONDS = 120;
    /**
     * Flow-control windows sized for a loopback relay at gigabits per second (bandwidth x RTT is small,
     * but the relay adds queueing); 16 MiB per connection, 4 MiB per stream.
     */
    static final long MAX_DATA = 16L << 20;
    static final long MAX_STREAM_DATA = 4L << 20;
    /**
     * Connection id length: 8 random bytes tell apart far more sessions than one socket ever holds, and 12 bytes fewer
     * than QUIC's default 20 in every packet lets a direct session carry a 1280-byte IPv6 packet inside WireGuard
     * (docs/udp.md, "Sizes").
     */
    static final int CONNECTION_ID_LENGTH = 8;
    /** Concurrent streams (= concurrent TCP connections through one session); credit is renewed as they close. */
    static final long MAX_STREAMS = 1000;
    /**
     * QUIC packet size. A session may move to a direct UDP path at any time, so packets must cross the
     * internet unfragmented: 1350 bytes leaves room for IPv6 (40), UDP (8) and tunnels (PPPoE, WireGuard)
     * under a 1500-byte MTU; quiche and Cloudflare use the same figure. The per-packet cost this implies
     * is paid back by batching (see {@link PacketBatch}).
     */
    public static final int UDP_PAYLOAD = 1350;
    /**
     * QUIC packet size of a session that will never leave the relay (relay-only, no UDP, or two hard NATs):
     * there a packet is a TCP frame, and 44x fewer packets than at 1350 bytes cut the per-packet work that
     * bounds throughput on this 2-core VM (docs/benchmarks.md). It fits one relay frame (65535 bytes).
     */
    public static final int RELAY_PAYLOAD = 60000;

    private QuicSettings() {}

    /**
     * @param payload the largest packet this end sends and accepts. QUIC sends min(own limit, the other
     *                side's announced receive limit), so the exposer allows {@link #RELAY_PAYLOAD} both ways and
     *                each connector session picks its size by the codec it is opened on.
     */
    private static <B extends QuicCodecBuilder<B>> B common(B builder, int payload) {
        return builder
                .maxIdleTimeout(IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                // CUBIC: measured 15-25 % faster than quiche's BBR (v1) here, on the relay and on direct paths.
                .congestionControlAlgorithm(QuicCongestionControlAlgorithm.CUBIC)
                .maxSendUdpPayloadSize(payload)
                .maxRecvUdpPayloadSize(payload)
                .localConnectionIdLength(CONNECTION_ID_LENGTH)
                // No greasing of the QUIC bit (RFC 9287): demultiplexing by first byte (RFC 9443) needs it set.
                .grease(false)
                .initialMaxData(MAX_DATA)
                .initialMaxStreamDataBidirectionalLocal(MAX_STREAM_DATA)
                .initialMaxStreamDataBidirectionalRemote(MAX_STREAM_DATA)
                .initialMaxStreamsBidirectional(MAX_STREAMS)
                .initialMaxStreamsUnidirectional(0)
                // UDP services' datagrams (docs/udp.md): announced by every session, used by those that carry UDP.
                .datagram(Datagrams.QUEUE, Datagrams.QUEUE);
    }

    /** The exposer's codec: one per socket, serving every session; {@code clientKeys} decides who may. */
    public static QuicServerCodecBuilder server(Identity identity, PinnedTrustManager.Check clientKeys) {
        QuicSslContext ssl = QuicSslContextBuilder.forServer(identity.privateKey(), null, identity.certificate())
                .applicationProtocols(ALPN)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(new PinnedTrustManager(clientKeys))
                .build();
        return common(new QuicServerCodecBuilder(), RELAY_PAYLOAD)
                // The engine learns the session's virtual address, which the key check uses to find the session.
                .sslEngineProvider(q -> {
                    var remote = (InetSocketAddress) q.remoteSocketAddress();
                    return ssl.newEngine(q.alloc(), remote.getAddress().getHostAddress(), remote.getPort());
                })
                .tokenHandler(null)
                .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, PacketBatch.ALLOCATOR);
    }

    /** The connector's codec: one per socket; {@code serverKeys} pins each session's exposer key. */
    public static ChannelHandler client(Identity identity, PinnedTrustManager.Check serverKeys, int payload) {
        QuicSslContext ssl = QuicSslContextBuilder.forClient()
                .applicationProtocols(ALPN)
                .keyManager(identity.privateKey(), null, identity.certificate())
                .trustManager(new PinnedTrustManager(serverKeys))
                .build();
        return common(new QuicClientCodecBuilder(), payload)
                .sslEngineProvider(q -> {
                    var remote = (InetSocketAddress) q.remoteSocketAddress();
                    return ssl.newEngine(q.alloc(), remote.getAddress().getHostAddress(), remote.getPort());
                })
                .build();
    }

    /** Set on each direct-capable client connection: hand packets over in batches (see {@link PacketBatch}). */
    public static QuicChannelBootstrap batched(QuicChannelBootstrap bootstrap) {
        return bootstrap.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, PacketBatch.ALLOCATOR);
    }

    /** Finds the session of a handshake by the virtual address its engine was created with. */
    public static InetSocketAddress peerOf(SSLEngine engine) {
        // The QUIC engine keeps the peer address on its session, not on the engine itself.
        SSLSession session = engine == null ? null : engine.getSession();
        if (session == null || session.getPeerHost() == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(session.getPeerHost()), session.getPeerPort());
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
