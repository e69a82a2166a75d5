package dev.pinhole.peer.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a peer command tells its user: a line of text per event, or with {@code --json} one JSON object
 * per line ({@code {"event":"ready",...}}) for scripts. Errors go to stderr as text, to stdout as JSON.
 */
public final class Output {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;

    public Output(PrintWriter out, PrintWriter err, boolean json) {
        this.out = out;
        this.err = err;
        this.json = json;
    }

    /** @param fields key/value pairs, in order */
    public synchronized void event(String event, String text, Object... fields) {
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("event", event);
            for (int i = 0; i + 1 < fields.length; i += 2) {
                object.put((String) fields[i], fields[i + 1]);
            }
            try {
                out.println(JSON.writeValueAsString(object));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** Something the user should know about that is not an event of its own (warnings, retries). */
    public void note(String text) {
        event("note", text, "message", text);
    }

    public synchronized void error(String message) {
        if (json) {
            event("error", message, "message", message);
        } else {
            err.println("peer: error: " + message);
            err.flush();
        }
    }
}
