package dev.pinhole.protocol.home;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A peer's home ({@code --home}, {@code $PINHOLE_HOME}, or {@code ~/.pinhole}): its identity key
 * ({@code identity.key}, {@code identity.crt}) and the rendezvous it logged in to ({@code peer.json}).
 * Everything is mode 0600: the key is who you are, the join code holds a token.
 */
public final class PeerHome {
    record Settings(String server) {}

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;

    public PeerHome(Path dir) {
        this.dir = dir;
    }

    public static PeerHome resolve(Path option) {
        if (option != null) {
            return new PeerHome(option);
        }
        String env = System.getenv("PINHOLE_HOME");
        return new PeerHome(env != null && !env.isEmpty() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".pinhole"));
    }

    public Path dir() {
        return dir;
    }

    /** This peer's identity, created on first use. */
    public Identity identity() throws IOException {
        SecureFiles.createPrivateDirectories(dir);
        return Identity.loadOrCreate(dir.resolve("identity.key"), dir.resolve("identity.crt"), "pinhole-peer");
    }

    public void saveServer(JoinCode code) throws IOException {
        SecureFiles.writeAtomically(dir.resolve("peer.json"), JSON.writeValueAsBytes(new Settings(code.toString())));
    }

    public Optional<JoinCode> server() throws IOException {
        Path file = dir.resolve("peer.json");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Settings settings = JSON.readValue(file.toFile(), Settings.class);
        return Optional.ofNullable(settings.server()).map(JoinCode::parse);
    }
}
