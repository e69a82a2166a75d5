package dev.pinhole.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.JoinCode;
import dev.pinhole.rendezvous.state.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {
    @TempDir Path dir;

    @Test
    void firstStartCreatesSecretsReadableOnlyByTheOwner() throws Exception {
        DataDir data = new DataDir(dir.resolve("data"), Clock.systemUTC());
        String fp = data.identity().certificateFingerprint();
        data.joinCode("127.0.0.1", 7000, fp).code();
        try (Stream<Path> files = Files.list(dir.resolve("data"))) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("state.lock")).toList()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
            }
        }
    }

    @Test
    void restartKeepsTheJoinCodeTokenUntilItIsRevoked() throws Exception {
        DataDir data = new DataDir(dir, Clock.systemUTC());
        String fp = data.identity().certificateFingerprint();
        JoinCode first = data.joinCode("127.0.0.1", 7000, fp).code();
        JoinCode again = new DataDir(dir, Clock.systemUTC()).joinCode("127.0.0.1", 7000, fp).code();
        assertEquals(first, again);
        assertTrue(data.revokeToken(Tokens.idOf(first.token()).orElseThrow()));
        JoinCode renewed = new DataDir(dir, Clock.systemUTC()).joinCode("127.0.0.1", 7000, fp).code();
        assertNotEquals(first.token(), renewed.token());
        assertEquals(Files.readString(dir.resolve("join-code")).trim(), renewed.toString());
    }

    @Test
    void aTokenCreatedByAnotherProcessIsSeenWithoutRestart() throws Exception {
        DataDir server = new DataDir(dir, Clock.systemUTC());
        server.store().read();
        String token = new DataDir(dir, Clock.systemUTC()).createToken("cli");
        assertTrue(Tokens.verify(server.store().read(), token).isPresent());
    }
}
