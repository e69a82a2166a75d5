package dev.pinhole.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureFilesTest {
    @TempDir Path dir;

    /** Two processes writing one file at once (token create during a first start) must not break each other. */
    @Test
    void concurrentWritersEachLeaveAWholeFileAndNoTemporaryOnes() throws Exception {
        Path file = dir.resolve("state.json");
        int writers = 4;
        int writes = 50;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String content = ("writer " + w + "\n").repeat(1000);
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < writes; i++) {
                        SecureFiles.writeAtomically(file, content.getBytes(StandardCharsets.UTF_8));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(); // throws if any write failed (a fixed temp name made them delete each other's)
            }
        } finally {
            threads.shutdownNow();
        }
        String last = Files.readString(file);
        assertTrue(last.matches("(writer \\d\n){1000}") && last.lines().distinct().count() == 1, "one writer's whole file");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(Set.of("state.json"), files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
}
