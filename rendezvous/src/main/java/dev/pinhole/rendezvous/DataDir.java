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
        this.dir = dir;
        this.store = new FileStateStore(dir);
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
        Tokens.Issued issued = tokens.issue(label, clock.instant().getEpochSecond());
        store.update(state -> state.withToken(issued.record()));
        return issued.token();
    }

    public boolean revokeToken(String id) throws IOException {
        boolean[] revoked = {false};
        store.update(state -> {
            State.TokenRecord token = state.tokens().get(id);
            if (token == null || !token.active()) {
                return state;
            }
            revoked[0] = true;
            return state.withToken(new State.TokenRecord(token.id(), token.label(), token.secretSha256(),
                    token.createdAt(), clock.instant().getEpochSecond()));
        });
        return revoked[0];
    }

    /**
     * The join code for {@code host:port}: reuses the token of the existing join-code file while it is
     * still valid (so a restart does not invalidate what users were given), else issues a new one.
     */
    public JoinCode joinCode(String host, int port, String certificateFingerprint) throws IOException {
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
        if (token == null) {
            token = createToken("join-code");
        }
        JoinCode code = new JoinCode(host, port, token, certificateFingerprint);
        SecureFiles.writeAtomically(file, (code + "\n").getBytes(StandardCharsets.UTF_8));
        return code;
    }

    /** The dashboard's admin secret (created on first start of a dashboard, mode 0600). */
    public Path dashboardSecretFile() {
        return dir.resolve("dashboard-secret");
    }
}
