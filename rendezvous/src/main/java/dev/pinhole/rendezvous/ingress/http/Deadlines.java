package dev.pinhole.rendezvous.ingress.http;

import java.time.Duration;

/**
 * How long a stranger may take over each phase of a visit to the public HTTP and HTTPS ports, so that a
 * connection that stalls (on purpose or not) gives its socket back ("Limits: public HTTP and HTTPS" in
 * docs/security.md has the table and the reasons). Tests shorten them through {@code RendezvousConfig.Web}.
 *
 * @param idle         a keep-alive (or new) connection with no byte of a request
 * @param head         from the first byte of a request to the end of its head
 * @param bodyWindow   while a request body is read, each window of this length must bring
 *                     {@code bodyMinBytes} (windows in which the rendezvous paused reading are not judged)
 * @param bodyMinBytes see {@code bodyWindow}: the minimum rate is bodyMinBytes per bodyWindow
 * @param send         the visitor accepts none of our response (its connection stays unwritable) this long
 * @param clientHello  from TCP accept to a complete TLS ClientHello on the HTTPS port
 */
public record Deadlines(Duration idle, Duration head, Duration bodyWindow, int bodyMinBytes, Duration send,
                        Duration clientHello) {
    /** Browsers open another connection when they need one; nginx's keepalive_timeout is 75 s. */
    public static final Duration IDLE = Duration.ofSeconds(60);
    /** A real head is one packet or a few; nginx's client_header_timeout is 60 s, which slow headers exploit. */
    public static final Duration HEAD = Duration.ofSeconds(20);
    /** nginx's client_body_timeout (60 s between reads) lets a trickle hold a socket forever, hence a rate. */
    public static final Duration BODY_WINDOW = Duration.ofSeconds(20);
    /** 8 KiB per 20 s is about 3 kbit/s: below any real uplink (GPRS is ~40 kbit/s), above a trickle. */
    public static final int BODY_MIN_BYTES = 8 * 1024;
    /** nginx's send_timeout: a visitor that reads nothing of our answer for this long is gone or hostile. */
    public static final Duration SEND = Duration.ofSeconds(60);
    /** A ClientHello is one or two packets; 10 s covers a lossy mobile link's retransmissions. */
    public static final Duration CLIENT_HELLO = Duration.ofSeconds(10);

    public static final Deadlines DEFAULT = new Deadlines(IDLE, HEAD, BODY_WINDOW, BODY_MIN_BYTES, SEND, CLIENT_HELLO);

    public Deadlines {
        for (Duration d : new Duration[] {idle, head, bodyWindow, send, clientHello}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("deadline: " + d + " (expected: positive)");
            }
        }
        if (bodyMinBytes < 0) {
            throw new IllegalArgumentException("bodyMinBytes: " + bodyMinBytes + " (expected: >= 0)");
        }
    }
}
