package dev.pinhole.rendezvous.state;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStoreTest {
    @TempDir Path dir;
    final Tokens tokens = new Tokens(new SecureRandom());

    /** The cache must not be fooled by a write that keeps the modification time (coarse clocks, NFS, FAT). */
    @Test
    void aRevocationByAnotherProcessIsSeenEvenWhenTheModificationTimeDidNotChange() throws Exception {
        Tokens.Issued issued = tokens.issue("laptop", 100);
        FileStateStore server = new FileStateStore(dir);
        server.update(s -> s.withToken(issued.record()));
        assertTrue(Tokens.verify(server.read(), issued.token()).isPresent());
        FileTime before = Files.getLastModifiedTime(server.file());

        new FileStateStore(dir).update(s -> s.withToken(issued.record().revoked(200))); // `token revoke`
        Files.setLastModifiedTime(server.file(), before); // the same tick

        assertTrue(Tokens.verify(server.read(), issued.token()).isEmpty(), "the revoked token still logs in");
    }

    @Test
    void anUnchangedFileIsNotParsedAgain() throws Exception {
        FileStateStore store = new FileStateStore(dir);
        store.update(s -> s.withToken(tokens.issue("a", 1).record()));
        State first = new FileStateStore(dir).read();
        FileStateStore reader = new FileStateStore(dir);
        assertTrue(reader.read() == reader.read(), "the same instance while the content is the same");
        assertEquals(first, reader.read());
    }

    @Test
    void aCorruptFileIsReportedWithItsErrorAndNeverOverwritten() throws Exception {
        FileStateStore store = new FileStateStore(dir);
        byte[] corrupt = "{\"tokens\": [1, 2".getBytes(StandardCharsets.UTF_8);
        Files.write(store.file(), corrupt);
        var read = assertThrows(FileStateStore.CorruptStateException.class, store::read);
        assertTrue(read.getMessage().startsWith(store.file() + " is not a valid state file ("), read.getMessage());
        assertTrue(read.getMessage().contains("at line 1, column"), read.getMessage());
        assertThrows(FileStateStore.CorruptStateException.class, () -> store.update(s -> s.withoutName("x")));
        assertArrayEquals(corrupt, Files.readAllBytes(store.file()));
    }

    @Test
    void theServersStoreSeesAnotherProcesssChangeWithinTheCutDeadlineAndKeepsTheLastGoodStateWhenTheFileBreaks()
            throws Exception {
        Tokens.Issued issued = tokens.issue("laptop", 100);
        new FileStateStore(dir).update(s -> s.withToken(issued.record()));
        List<String> log = new CopyOnWriteArrayList<>();
        List<State> seen = new CopyOnWriteArrayList<>();
        try (WatchedStateStore server = new WatchedStateStore(new FileStateStore(dir), log::add)) {
            server.load();
            server.watch(seen::add);
            new FileStateStore(dir).update(s -> s.withToken(issued.record().revoked(200)));
            await().atMost(Duration.ofSeconds(2)).until(() -> !seen.isEmpty());
            assertFalse(seen.get(0).tokens().get(issued.record().id()).active());
            assertTrue(Tokens.verify(server.read(), issued.token()).isEmpty());

            Files.writeString(dir.resolve("state.json"), "{ broken");
            await().atMost(Duration.ofSeconds(2)).until(() -> log.stream().anyMatch(l -> l.startsWith("keeping the last good state: ")));
            assertEquals(seen.get(0), server.read());
            assertEquals(1, log.size(), "reported once, not on every poll: " + log);
        }
    }

    /** A peer given a token a moment ago logs in at once: the login reads the file again rather than wait for a poll. */
    @Test
    void aTokenCreatedElsewhereIsFoundByARereadBeforeTheNextPoll() throws Exception {
        try (WatchedStateStore server = new WatchedStateStore(new FileStateStore(dir), line -> { })) {
            server.load();
            Tokens.Issued issued = tokens.issue("new", 1);
            new FileStateStore(dir).update(s -> s.withToken(issued.record())); // `token create`
            assertTrue(Tokens.verify(server.read(), issued.token()).isEmpty(), "not polled yet (no watch started)");
            assertTrue(Tokens.verify(server.reread().join(), issued.token()).isPresent());
        }
    }
}
