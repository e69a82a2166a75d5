package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage.Relay;
import java.util.List;

/**
 * The rendezvous itself as a session's connector, for public ingress: it takes the exposer's packets
 * and hears when the session ends. An interface so the registry does not depend on the QUIC side.
 */
public interface IngressConnector {
    /** Packets from an exposer, one read batch of them; called on the exposer's event loop. */
    void deliver(List<Relay> packets);

    /** The session ended on the exposer's side (it closed it, or went away). */
    void ended(int sessionId);
}
