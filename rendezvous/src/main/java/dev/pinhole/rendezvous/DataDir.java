package dev.pinhole.rendezvous;

import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.SecureFiles;
import dev.pinhole.rendezvous.state.FileStateStore;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.StateStore;
import dev.pinhole.rendezvous.state.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * The rendezvous' data dir: {@code server.key}/{@code server.crt} (its TLS identity),
 * {@code state.json} (tokens, names) and {@code join-code}. Created on first start, all mode 0600,
 * so there is never a default password: the first token is random and lives only here.
 */
public final class DataDir {
    private final Path dir;
    private final StateStore store;
    private final Tokens tokens = new Tokens(new SecureRandom());
    private final Clock clock;

    public DataDir(Path dir, Clock clock) {
        this(dir, clock, new FileStateStore(dir));
    }

    /** @param store the state of this data dir (the server passes its watched store) */
    public DataDir(Path dir, Clock clock, StateStore store) {
        this.dir = dir;
        this.store = store;
        this.clock = clock;
    }

    public Path path() {
        return dir;
    }

    public StateStore store() {
        return store;
    }

    public Identity identity() throws IOException {
        SecureFiles.createPrivateDirectories(dir);
        return Identity.loadOrCreate(dir.resolve("server.key"), dir.resolve("server.crt"), "pinhole-rendezvous");
    }

    public Path joinCodeFile() {
        return dir.resolve("join-code");
    }

    /** Issues a token and returns its secret form; only its digest is stored. */
    public String createToken(String label) throws IOException {
        return createToken(label, null);
    }

    /** @param names the name patterns the token is limited to, or null for any name */
    public String createToken(String label, List<String> names) throws IOException {
        Tokens.Issued issued = tokens.issue(label, names, clock.instant().getEpochSecond());
        store.update(state -> state.withToken(issued.record()));
        return issued.token();
    }

    /**
     * What {@link #revokeToken} did: whether there was an active token with that id, and the names it had
     * registered that were released with it.
     */
    public record Revocation(boolean revoked, List<String> releasedNames) {}

    /**
     * Revokes the token; a running server cuts its connections and their sessions off within 2 s. The names
     * registered with it are released too unless {@code keepNames}: what a revoked token claimed should not stay
     * claimed.
     */
    public Revocation revokeToken(String id, boolean keepNames) throws IOException {
        Revocation[] result = {new Revocation(false, List.of())};
        store.update(state -> {
            State.TokenRecord token = state.tokens().get(id);
            if (token == null || !token.active()) {
                return state;
            }
            State next = state.withToken(token.revoked(clock.instant().getEpochSecond()));
            List<String> released = keepNames ? List.of()
                    : state.namesSorted().stream().filter(n -> id.equals(n.tokenId())).map(State.NameRecord::name).toList();
            for (String name : released) {
                next = next.withoutName(name);
            }
            result[0] = new Revocation(true, released);
            return next;
        });
        return result[0];
    }

    public boolean revokeToken(String id) throws IOException {
        return revokeToken(id, false).revoked();
    }

    /** Frees {@code name} for the next identity that registers it; false if no one owned it. */
    public boolean releaseName(String name) throws IOException {
        boolean[] released = {false};
        store.update(state -> {
            released[0] = state.names().containsKey(name);
            return released[0] ? state.withoutName(name) : state;
        });
        return released[0];
    }

    /** @param created whether the token in it is new (so the server prints the code, which it does only then) */
    public record JoinCodeFile(JoinCode code, boolean created) {}

    /**
     * The join code for {@code host:port}: reuses the token of the existing join-code file while it is
     * still valid (so a restart does not invalidate what users were given), else issues a new one.
     */
    public JoinCodeFile joinCode(String host, int port, String certificateFingerprint) throws IOException {
        String token = null;
        Path file = joinCodeFile();
        if (Files.exists(file)) {
            try {
                JoinCode old = JoinCode.parse(Files.readString(file, StandardCharsets.UTF_8));
                if (Tokens.verify(store.read(), old.token()).isPresent()) {
                    token = old.token();
                }
            } catch (IllegalArgumentException e) {
                // An unreadable join-code file is replaced below.
            }
        }
        boolean created = token == null;
        if (created) {
            token = createToken("join-code");
        }
        JoinCode code = new JoinCode(host, port, token, certificateFingerprint);
        SecureFiles.writeAtomically(file, (code + "\n").getBytes(StandardCharsets.UTF_8));
        return new JoinCodeFile(code, created);
    }

    /** The dashboard's admin secret (created on first start of a dashboard, mode 0600). */
    public Path dashboardSecretFile() {
        return dir.resolve("dashboard-secret");
    }
}
