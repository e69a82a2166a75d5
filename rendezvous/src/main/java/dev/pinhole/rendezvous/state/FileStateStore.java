package dev.pinhole.rendezvous.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pinhole.protocol.tls.SecureFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.function.UnaryOperator;

/**
 * {@link State} as one JSON file in the data dir ({@code state.json}, mode 0600). Writers take an
 * exclusive lock on {@code state.lock} so the server and the {@code token} commands can both change it;
 * the file is replaced by an atomic rename. Reads are cached until the file's modification time changes.
 */
public final class FileStateStore implements StateStore {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;
    private final Path lockFile;
    private State cached;
    private FileTime cachedTime;

    public FileStateStore(Path dataDir) {
        this.file = dataDir.resolve("state.json");
        this.lockFile = dataDir.resolve("state.lock");
    }

    @Override
    public synchronized State read() throws IOException {
        FileTime time;
        try {
            time = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            return State.EMPTY;
        }
        if (cached == null || !time.equals(cachedTime)) {
            try {
                cached = JSON.readValue(file.toFile(), State.class);
            } catch (IOException e) {
                throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
            }
            cachedTime = time;
        }
        return cached;
    }

    @Override
    public synchronized State update(UnaryOperator<State> change) throws IOException {
        SecureFiles.createPrivateDirectories(file.toAbsolutePath().getParent());
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lock.lock()) {
            cached = null;
            State next = change.apply(read());
            SecureFiles.writeAtomically(file, JSON.writeValueAsBytes(next));
            cached = next;
            cachedTime = Files.getLastModifiedTime(file);
            return next;
        }
    }
}
