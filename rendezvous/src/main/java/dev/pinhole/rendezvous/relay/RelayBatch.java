package dev.pinhole.rendezvous.relay;

import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.rendezvous.registry.IngressConnector;
import dev.pinhole.rendezvous.registry.Peer;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The relayed packets of one connection's current read batch, by where they go. Targets on another
 * event loop get the whole batch in one task (one wake-up) when the batch ends, not one task per
 * packet; the rendezvous' own ingress sessions get theirs the same way. Bytes handed to another loop count
 * in the target's {@link Peer#inFlight()} until written, so the sender sees them before the water mark does.
 */
final class RelayBatch {
    private final Map<Peer, List<Relay>> toPeers = new HashMap<>();
    private final Map<IngressConnector, List<Relay>> toIngress = new HashMap<>();

    void add(Peer target, Relay relay) {
        toPeers.computeIfAbsent(target, t -> new ArrayList<>()).add(relay);
    }

    void add(IngressConnector target, Relay relay) {
        toIngress.computeIfAbsent(target, t -> new ArrayList<>()).add(relay);
    }

    /** The read batch ended: hand everything over. */
    void flush() {
        if (!toIngress.isEmpty()) {
            toIngress.forEach(IngressConnector::deliver);
            toIngress.clear();
        }
        for (var entry : toPeers.entrySet()) {
            Channel target = entry.getKey().channel();
            List<Relay> packets = entry.getValue();
            if (target.eventLoop().inEventLoop()) {
                writeAll(target, packets);
            } else {
                long bytes = 0;
                for (Relay packet : packets) {
                    bytes += packet.payload().readableBytes();
                }
                long handedOver = bytes;
                entry.getKey().inFlight().addAndGet(handedOver);
                target.eventLoop().execute(() -> {
                    entry.getKey().inFlight().addAndGet(-handedOver);
                    writeAll(target, packets);
                });
            }
        }
        toPeers.clear();
    }

    /** The connection closed mid-batch: nothing is handed over, nothing leaks. */
    void release() {
        toPeers.values().forEach(packets -> packets.forEach(Relay::release));
        toIngress.values().forEach(packets -> packets.forEach(Relay::release));
        toPeers.clear();
        toIngress.clear();
    }

    private static void writeAll(Channel target, List<Relay> packets) {
        for (Relay packet : packets) {
            target.write(packet, target.voidPromise());
        }
        target.flush();
    }
}
