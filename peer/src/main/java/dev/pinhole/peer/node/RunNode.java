package dev.pinhole.peer.node;

/** Runs a node until it fails or the process is interrupted (Ctrl-C), then shuts it down cleanly. */
public final class RunNode {
    /** Exit code when the node gave up (wrong token, unknown name, name taken...). */
    public static final int FAILED = 2;

    private RunNode() {}

    public static int run(PeerNode node, Output out) throws Exception {
        Thread hook = new Thread(node::close, "peer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            node.start();
            String reason = node.awaitFailure();
            out.error(reason);
            return FAILED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                node.close();
            } catch (IllegalStateException shuttingDown) {
                // The hook is already closing the node.
            }
        }
    }
}
