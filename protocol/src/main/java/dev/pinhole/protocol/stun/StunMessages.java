package dev.pinhole.protocol.stun;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.ice4j.StunException;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.ChangeRequestAttribute;
import org.ice4j.attribute.MappedAddressAttribute;
import org.ice4j.attribute.OptionalAttribute;
import org.ice4j.attribute.XorMappedAddressAttribute;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.ice4j.message.Request;
import org.ice4j.message.Response;

/**
 * The adapter to ice4j's STUN codec: the only class that imports it. Decodes Binding requests
 * (RFC 8489 section 6) and encodes success responses with RFC 5780's RESPONSE-ORIGIN and OTHER-ADDRESS,
 * which ice4j lacks (they are written here with the MAPPED-ADDRESS body layout, RFC 8489 section 14.1).
 */
public final class StunMessages {
    /** RFC 5780 section 7.3: where the response came from. */
    static final char RESPONSE_ORIGIN = 0x802B;
    /** RFC 5780 section 7.4: the server's other address (alternate IP and port). */
    static final char OTHER_ADDRESS = 0x802C;

    private StunMessages() {}

    /**
     * A Binding request: its transaction id, what it asked the server to change (RFC 5780 section 7.2),
     * whether it is an RFC 3489 request (no magic cookie: the client reads MAPPED-ADDRESS, SOURCE-ADDRESS and
     * CHANGED-ADDRESS) and whether it carried a FINGERPRINT (then so does the answer).
     */
    public record BindingRequest(byte[] transactionId, boolean changeIp, boolean changePort, boolean classic,
                                 boolean fingerprint) {}

    /** RFC 8489 section 5: the magic cookie that tells RFC 5389+ messages from RFC 3489 ones. */
    static final int MAGIC_COOKIE = 0x2112A442;

    /** Decodes a Binding request or says why the packet is not one. */
    public static BindingRequest parse(byte[] packet, int length) throws StunFormatException {
        if (length < 20) {
            throw new StunFormatException("STUN message length: " + length + " (expected: >= 20)");
        }
        Message message = decode(packet, length, Message.BINDING_REQUEST, "0x0001, Binding request");
        ChangeRequestAttribute change = (ChangeRequestAttribute) message.getAttribute(Attribute.CHANGE_REQUEST);
        boolean classic = ByteBuffer.wrap(packet, 4, 4).getInt() != MAGIC_COOKIE;
        return new BindingRequest(message.getTransactionID(),
                change != null && change.getChangeIpFlag(), change != null && change.getChangePortFlag(),
                classic, message.getAttribute(Attribute.FINGERPRINT) != null);
    }

    /**
     * A Binding success response, no larger than the client needs, since STUN answers anyone and a spoofed
     * request turns the server into a reflector (docs/security.md, "Limits: hole punching and STUN"):
     * XOR-MAPPED-ADDRESS; RESPONSE-ORIGIN and OTHER-ADDRESS only when the server has a second address (RFC
     * 5780 clients need them then, and only then can they run their tests); MAPPED-ADDRESS, SOURCE-ADDRESS
     * and CHANGED-ADDRESS only for RFC 3489 clients, which read nothing else; FINGERPRINT only if the request
     * had one. No SOFTWARE.
     */
    public static byte[] success(BindingRequest request, InetSocketAddress mapped, InetSocketAddress origin,
                                 InetSocketAddress other) {
        try {
            Request original = MessageFactory.createBindingRequest();
            original.setTransactionID(request.transactionId());
            TransportAddress reflexive = new TransportAddress(mapped, Transport.UDP);
            Response response = MessageFactory.createBindingResponse(original, reflexive);
            response.setTransactionID(request.transactionId());
            // ice4j's defaults, whichever they are, are replaced by what this client reads.
            response.removeAttribute(Attribute.XOR_MAPPED_ADDRESS);
            response.removeAttribute(Attribute.MAPPED_ADDRESS);
            if (request.classic()) {
                response.putAttribute(AttributeFactory.createMappedAddressAttribute(reflexive));
                response.putAttribute(AttributeFactory.createSourceAddressAttribute(new TransportAddress(origin, Transport.UDP)));
                if (other != null) {
                    response.putAttribute(AttributeFactory.createChangedAddressAttribute(new TransportAddress(other, Transport.UDP)));
                }
            } else {
                response.putAttribute(AttributeFactory.createXorMappedAddressAttribute(reflexive, request.transactionId()));
                if (other != null) {
                    response.putAttribute(new RawAttribute(RESPONSE_ORIGIN, addressBody(origin)));
                    response.putAttribute(new RawAttribute(OTHER_ADDRESS, addressBody(other)));
                }
            }
            if (request.fingerprint()) {
                response.putAttribute(AttributeFactory.createFingerprintAttribute());
            }
            return response.encode(null);
        } catch (StunException e) {
            throw new IllegalStateException("cannot encode a Binding response: " + e.getMessage(), e);
        }
    }

    /** A Binding success response as a client reads it; addresses the server did not send are null. */
    public record BindingResponse(byte[] transactionId, InetSocketAddress mapped, InetSocketAddress plainMapped,
                                  InetSocketAddress responseOrigin, InetSocketAddress otherAddress) {}

    /** A Binding request, with RFC 5780's CHANGE-REQUEST when either flag is set. */
    public static byte[] request(byte[] transactionId, boolean changeIp, boolean changePort) {
        try {
            Request request = MessageFactory.createBindingRequest();
            request.setTransactionID(transactionId);
            if (changeIp || changePort) {
                request.putAttribute(AttributeFactory.createChangeRequestAttribute(changeIp, changePort));
            }
            return request.encode(null);
        } catch (StunException e) {
            throw new IllegalStateException("cannot encode a Binding request: " + e.getMessage(), e);
        }
    }

    /** Decodes a Binding success response or says why the packet is not one. */
    public static BindingResponse parseResponse(byte[] packet, int length) throws StunFormatException {
        Message message = decode(packet, length, Message.BINDING_SUCCESS_RESPONSE, "0x0101, Binding success response");
        byte[] tid = message.getTransactionID();
        var xor = (XorMappedAddressAttribute) message.getAttribute(Attribute.XOR_MAPPED_ADDRESS);
        var plain = (MappedAddressAttribute) message.getAttribute(Attribute.MAPPED_ADDRESS);
        InetSocketAddress mapped = xor != null ? xor.getAddress(tid) : plain != null ? plain.getAddress() : null;
        if (mapped == null) {
            throw new StunFormatException("Binding response without a mapped address");
        }
        return new BindingResponse(tid, mapped, plain == null ? null : plain.getAddress(),
                rawAddress(message, RESPONSE_ORIGIN), rawAddress(message, OTHER_ADDRESS));
    }

    private static Message decode(byte[] packet, int length, char type, String expected) throws StunFormatException {
        Message message;
        try {
            message = Message.decode(packet, 0, length);
        } catch (StunException | RuntimeException e) {
            throw new StunFormatException("not a STUN message: " + e.getMessage());
        }
        if (message.getMessageType() != type) {
            throw new StunFormatException("STUN message type: 0x" + Integer.toHexString(message.getMessageType())
                    + " (expected: " + expected + ")");
        }
        return message;
    }

    /** A 5780 address attribute, which ice4j decodes as an unknown attribute with a raw body. */
    private static InetSocketAddress rawAddress(Message message, char type) throws StunFormatException {
        Attribute attribute = message.getAttribute(type);
        if (!(attribute instanceof OptionalAttribute raw)) {
            return null;
        }
        byte[] body = raw.getBody();
        int length = body.length >= 2 && body[1] == 1 ? 4 : 16;
        if (body.length != 4 + length) {
            throw new StunFormatException("address attribute 0x" + Integer.toHexString(type) + " length: " + body.length
                    + " (expected: 8 or 20)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(body, 4, 4 + length)),
                    ((body[2] & 0xff) << 8) | (body[3] & 0xff));
        } catch (UnknownHostException e) {
            throw new StunFormatException("bad address in attribute 0x" + Integer.toHexString(type));
        }
    }

    /** RFC 8489 section 14.1 body: 0, family (1 = IPv4, 2 = IPv6), port, address. */
    static byte[] addressBody(InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        ByteBuffer body = ByteBuffer.allocate(4 + ip.length);
        body.put((byte) 0).put((byte) (address.getAddress() instanceof Inet4Address ? 1 : 2));
        body.putShort((short) address.getPort()).put(ip);
        return body.array();
    }

    /** An attribute ice4j does not know, carried with a body we encode. */
    private static final class RawAttribute extends OptionalAttribute {
        RawAttribute(char type, byte[] body) {
            super(type);
            setBody(body, 0, body.length);
        }
    }
}
