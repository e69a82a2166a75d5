package dev.pinhole.protocol.home;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A peer's home ({@code --home}, {@code $PINHOLE_HOME}, or {@code ~/.pinhole}): its identity key
 * ({@code identity.key}, {@code identity.crt}) and the rendezvous it logged in to ({@code peer.json}).
 * Everything is mode 0600: the key is who you are, the join code holds a token.
 */
public final class PeerHome {
    /**
     * {@code stunPorts}: the STUN port each rendezvous (by its address, HOST:PORT) named in its Welcome, as the
     * last expose/connect saw it; {@code diagnostics nat-type} uses it, since a rendezvous may run STUN on any port.
     */
    record Settings(String server, Map<String, Integer> stunPorts) {
        Settings {
            stunPorts = stunPorts == null ? Map.of() : Map.copyOf(stunPorts);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final String KEY_FILE = "identity.key";
    private static final String CERT_FILE = "identity.crt";
    private static final String COMMON_NAME = "pinhole-peer";

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
        return Identity.loadOrCreate(dir.resolve(KEY_FILE), dir.resolve(CERT_FILE), COMMON_NAME);
    }

    /**
     * The identity if this home has one, else a new one that is not saved yet: {@code peer login} keeps it only
     * once the rendezvous accepted it, so a failed login leaves the home as it was ({@link #keep}).
     */
    public Identity identityOrUnsaved() throws IOException {
        Path key = dir.resolve(KEY_FILE);
        Path cert = dir.resolve(CERT_FILE);
        return Files.exists(key) || Files.exists(cert) ? Identity.loadOrCreate(key, cert, COMMON_NAME)
                : Identity.generate(COMMON_NAME);
    }

    /** Saves {@code identity} as this home's, unless the home has one already. */
    public void keep(Identity identity) throws IOException {
        SecureFiles.createPrivateDirectories(dir);
        if (!Files.exists(dir.resolve(KEY_FILE))) {
            identity.save(dir.resolve(KEY_FILE), dir.resolve(CERT_FILE));
        }
    }

    public void saveServer(JoinCode code) throws IOException {
        save(new Settings(code.toString(), settings().stunPorts()));
    }

    public Optional<JoinCode> server() throws IOException {
        return Optional.ofNullable(settings().server()).map(JoinCode::parse);
    }

    /** Remembers the STUN port (0: none) the rendezvous at {@code code}'s address announced. */
    public void saveStunPort(JoinCode code, int port) throws IOException {
        Settings settings = settings();
        if (!Integer.valueOf(port).equals(settings.stunPorts().get(code.address()))) {
            Map<String, Integer> ports = new TreeMap<>(settings.stunPorts());
            ports.put(code.address(), port);
            save(new Settings(settings.server(), ports));
        }
    }

    /** The STUN port the rendezvous at {@code code}'s address announced (0: it runs none), if a peer has logged in there. */
    public Optional<Integer> stunPort(JoinCode code) throws IOException {
        return Optional.ofNullable(settings().stunPorts().get(code.address()));
    }

    private Settings settings() throws IOException {
        Path file = dir.resolve("peer.json");
        return Files.exists(file) ? JSON.readValue(file.toFile(), Settings.class) : new Settings(null, null);
    }

    private void save(Settings settings) throws IOException {
        SecureFiles.createPrivateDirectories(dir);
        SecureFiles.writeAtomically(dir.resolve("peer.json"), JSON.writeValueAsBytes(settings));
    }
}
