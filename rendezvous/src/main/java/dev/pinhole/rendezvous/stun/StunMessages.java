package dev.pinhole.rendezvous.stun;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.ice4j.StunException;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.ChangeRequestAttribute;
import org.ice4j.attribute.OptionalAttribute;
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

    /** A Binding request: its transaction id and what it asked the server to change (RFC 5780 section 7.2). */
    public record BindingRequest(byte[] transactionId, boolean changeIp, boolean changePort) {}

    /** Decodes a Binding request or says why the packet is not one. */
    public static BindingRequest parse(byte[] packet, int length) throws StunFormatException {
        if (length < 20) {
            throw new StunFormatException("STUN message length: " + length + " (expected: >= 20)");
        }
        Message message;
        try {
            message = Message.decode(packet, 0, length);
        } catch (StunException | RuntimeException e) {
            throw new StunFormatException("not a STUN message: " + e.getMessage());
        }
        if (message.getMessageType() != Message.BINDING_REQUEST) {
            throw new StunFormatException("STUN message type: 0x" + Integer.toHexString(message.getMessageType())
                    + " (expected: 0x0001, Binding request)");
        }
        ChangeRequestAttribute change = (ChangeRequestAttribute) message.getAttribute(Attribute.CHANGE_REQUEST);
        return new BindingRequest(message.getTransactionID(),
                change != null && change.getChangeIpFlag(), change != null && change.getChangePortFlag());
    }

    /**
     * A Binding success response: XOR-MAPPED-ADDRESS (and MAPPED-ADDRESS for RFC 3489 clients),
     * RESPONSE-ORIGIN, OTHER-ADDRESS when the server has one, SOFTWARE and FINGERPRINT.
     */
    public static byte[] success(BindingRequest request, InetSocketAddress mapped, InetSocketAddress origin,
                                 InetSocketAddress other) {
        try {
            Request original = MessageFactory.createBindingRequest();
            original.setTransactionID(request.transactionId());
            TransportAddress reflexive = new TransportAddress(mapped, Transport.UDP);
            Response response = MessageFactory.createBindingResponse(original, reflexive);
            response.setTransactionID(request.transactionId());
            response.putAttribute(AttributeFactory.createMappedAddressAttribute(reflexive));
            response.putAttribute(new RawAttribute(RESPONSE_ORIGIN, addressBody(origin)));
            if (other != null) {
                response.putAttribute(new RawAttribute(OTHER_ADDRESS, addressBody(other)));
            }
            response.putAttribute(AttributeFactory.createFingerprintAttribute());
            return response.encode(null);
        } catch (StunException e) {
            throw new IllegalStateException("cannot encode a Binding response: " + e.getMessage(), e);
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
