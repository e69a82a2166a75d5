package dev.pinhole.protocol;

import static dev.pinhole.protocol.ControlFields.count;
import static dev.pinhole.protocol.ControlFields.flag;
import static dev.pinhole.protocol.ControlFields.i32;
import static dev.pinhole.protocol.ControlFields.readStr;
import static dev.pinhole.protocol.ControlFields.u16;
import static dev.pinhole.protocol.ControlFields.writeStr;

import dev.pinhole.protocol.ControlMessage.ListNames;
import dev.pinhole.protocol.ControlMessage.NameReleased;
import dev.pinhole.protocol.ControlMessage.Names;
import dev.pinhole.protocol.ControlMessage.ReleaseName;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** The name messages' part of {@link ControlCodec} (its javadoc has their layout): kept apart to keep that file short. */
final class NameCodec {
    private NameCodec() {}

    /** Writes {@code message} if it is a name message; false if it is not one. */
    static boolean encode(ControlMessage message, ByteBuf out) {
        if (message instanceof ListNames m) {
            out.writeByte(ControlCodec.LIST_NAMES);
            out.writeInt(m.requestId());
        } else if (message instanceof Names m) {
            if (m.names().size() > ControlCodec.MAX_NAMES_LISTED) {
                throw new IllegalArgumentException("names: " + m.names().size() + " (expected: <= "
                        + ControlCodec.MAX_NAMES_LISTED + ")");
            }
            out.writeByte(ControlCodec.NAMES);
            out.writeInt(m.requestId());
            out.writeInt(m.total());
            out.writeShort(m.names().size());
            for (Names.Entry entry : m.names()) {
                writeStr(out, entry.name());
                writeStr(out, entry.tokenId());
                out.writeLong(entry.createdAt());
                out.writeByte(entry.online() ? 1 : 0);
            }
        } else if (message instanceof ReleaseName m) {
            out.writeByte(ControlCodec.RELEASE_NAME);
            out.writeInt(m.requestId());
            writeStr(out, m.name());
        } else if (message instanceof NameReleased m) {
            out.writeByte(ControlCodec.NAME_RELEASED);
            out.writeInt(m.requestId());
            writeStr(out, m.name());
        } else {
            return false;
        }
        return true;
    }

    static ControlMessage decode(int type, ByteBuf body) {
        return switch (type) {
            case ControlCodec.LIST_NAMES -> new ListNames(i32(body, "request id"));
            case ControlCodec.NAMES -> names(body);
            case ControlCodec.RELEASE_NAME -> new ReleaseName(i32(body, "request id"), readStr(body, "name"));
            case ControlCodec.NAME_RELEASED -> new NameReleased(i32(body, "request id"), readStr(body, "name"));
            default -> throw new IllegalArgumentException("not a name message: " + type);
        };
    }

    private static Names names(ByteBuf body) {
        int requestId = i32(body, "request id");
        int total = i32(body, "total names");
        int count = u16(body, "name count");
        if (count > ControlCodec.MAX_NAMES_LISTED) {
            throw new ProtocolException("name count: " + count + " (expected: <= " + ControlCodec.MAX_NAMES_LISTED + ")");
        }
        if (total < count) { // a negative int is a u32 of 2^31 or more: no rendezvous holds that many
            throw new ProtocolException("total names: " + Integer.toUnsignedString(total) + " (expected: " + count
                    + ".." + Integer.MAX_VALUE + ")");
        }
        List<Names.Entry> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(new Names.Entry(readStr(body, "name " + i), readStr(body, "token id " + i),
                    count(body, "created " + i), flag(body, "online " + i)));
        }
        return new Names(requestId, total, names);
    }
}
