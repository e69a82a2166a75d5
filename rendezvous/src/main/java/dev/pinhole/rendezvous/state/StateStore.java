package dev.pinhole.rendezvous.state;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Where the rendezvous keeps {@link State}. The embedded default is {@link FileStateStore}; a
 * scaled-out deployment puts a database behind this same interface.
 */
public interface StateStore {
    /** The current state, including changes made by other processes (e.g. {@code token revoke}). */
    State read() throws IOException;

    /** Applies {@code change} atomically with respect to every other writer and returns the new state. */
    State update(UnaryOperator<State> change) throws IOException;

    /** The state read from its source again, not from a cache: the server's store does it on its own thread. */
    default CompletableFuture<State> reread() {
        try {
            return CompletableFuture.completedFuture(read());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * {@link #update} where it does not hold up the caller: the server's store runs it on its own thread, so an
     * event loop never waits for a disk. This default runs it at once, which is what tests on one thread want.
     */
    default CompletableFuture<State> updateLater(UnaryOperator<State> change) {
        try {
            return CompletableFuture.completedFuture(update(change));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
