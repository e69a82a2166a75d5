package dev.pinhole.rendezvous.state;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pinhole.protocol.Fingerprint;
import dev.pinhole.protocol.tls.SecureFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * {@link State} as one JSON file in the data dir ({@code state.json}, mode 0600). Writers take an
 * exclusive lock on {@code state.lock} so the server and the {@code token} commands can both change it;
 * the file is replaced by an atomic rename (then the directory is synced). A read parses the file again only
 * when its bytes changed: the cache is keyed on the SHA-256 of the content, which no coarse clock or reused
 * inode can fool (a modification time can stay the same across two writes in one tick).
 */
public final class FileStateStore implements StateStore {
    /**
     * How long a writer waits for {@code state.lock} before giving up with an error naming the lock: a {@code token}
     * command stopped with Ctrl-Z holds it, and a name claim must fail rather than wait for ever.
     */
    static final long LOCK_WAIT_MILLIS = 5_000;
    private static final long LOCK_RETRY_MILLIS = 10;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;
    private final Path lockFile;
    private State cached;
    private byte[] cachedDigest;

    public FileStateStore(Path dataDir) {
        this.file = dataDir.resolve("state.json");
        this.lockFile = dataDir.resolve("state.lock");
    }

    public Path file() {
        return file;
    }

    /** Reads the file; returns the same instance as last time while its content is unchanged. */
    @Override
    public synchronized State read() throws IOException {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            cached = State.EMPTY;
            cachedDigest = null;
            return State.EMPTY;
        }
        byte[] digest = Fingerprint.sha256(content);
        if (cached == null || !Arrays.equals(digest, cachedDigest)) {
            try {
                cached = JSON.readValue(content, State.class);
            } catch (IOException e) {
                throw new CorruptStateException(file, e);
            }
            cachedDigest = digest;
        }
        return cached;
    }

    @Override
    public synchronized State update(UnaryOperator<State> change) throws IOException {
        SecureFiles.createPrivateDirectories(file.toAbsolutePath().getParent());
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = acquire(lock)) {
            State next = change.apply(read());
            byte[] content = JSON.writeValueAsBytes(next);
            SecureFiles.writeAtomically(file, content);
            cached = next;
            cachedDigest = Fingerprint.sha256(content);
            return next;
        }
    }

    private FileLock acquire(FileChannel lock) throws IOException {
        long deadline = System.nanoTime() + LOCK_WAIT_MILLIS * 1_000_000;
        while (true) {
            FileLock held;
            try {
                held = lock.tryLock();
            } catch (OverlappingFileLockException e) {
                held = null; // another store in this JVM (a command run in-process, as tests do) holds it
            }
            if (held != null) {
                return held;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(lockFile + " is held by another process for more than " + LOCK_WAIT_MILLIS
                        + " ms (a stopped 'rendezvous token' command?); the change was not saved");
            }
            try {
                Thread.sleep(LOCK_RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + lockFile, e);
            }
        }
    }

    /** {@code state.json} exists but is not a state file: nothing may overwrite it (the operator has to look). */
    public static final class CorruptStateException extends IOException {
        CorruptStateException(Path file, IOException cause) {
            super(file + " is not a valid state file (" + describe(cause) + "); it was left as it is:"
                    + " restore it from a backup or move it away to start with no tokens and names", cause);
        }

        private static String describe(IOException cause) {
            if (cause instanceof JsonProcessingException json) {
                JsonLocation at = json.getLocation();
                return json.getOriginalMessage().lines().findFirst().orElse("")
                        + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr());
            }
            return cause.getMessage();
        }
    }
}
