package dev.pinhole.peer.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class OutputTest {
    @Test
    void jsonModePrintsOneObjectPerLineWithTheEventFirst() {
        StringWriter out = new StringWriter();
        Output output = new Output(new PrintWriter(out), new PrintWriter(new StringWriter()), true);
        output.event("path", "path: relay via rv:7000", "path", "relay", "remote", "rv:7000");
        output.error("bad \"thing\"");
        assertEquals("{\"event\":\"path\",\"path\":\"relay\",\"remote\":\"rv:7000\"}\n"
                + "{\"event\":\"error\",\"message\":\"bad \\\"thing\\\"\"}\n", out.toString().replace("\r", ""));
    }

    @Test
    void textModePrintsTheTextAndErrorsToStderr() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Output output = new Output(new PrintWriter(out), new PrintWriter(err), false);
        output.event("path", "path: relay via rv:7000", "path", "relay");
        output.error("no such name");
        assertEquals("path: relay via rv:7000\n", out.toString());
        assertEquals("peer: error: no such name\n", err.toString());
    }
}
