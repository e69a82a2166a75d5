package dev.pinhole.rendezvous.control;

/** Fired once the TLS handshake has proved which key the peer holds. */
record PeerAuthenticated(String keyFingerprint) {}
