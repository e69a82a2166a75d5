package dev.pinhole.peer.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pinhole.protocol.log.LogFormat;
import dev.pinhole.protocol.log.LogLevel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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

    static final Clock NOON = Clock.fixed(Instant.parse("2025-06-01T12:03:07.512Z"), ZoneOffset.UTC);

    @Test
    void logLinesCarryDateTimeAndLevelAndLeaveOutWhatIsBelowTheThreshold() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Output text = Output.logging(new PrintWriter(out), new PrintWriter(err), LogLevel.WARN, LogFormat.TEXT, NOON);
        text.event("path", "path: relay via rv:7000", "path", "relay");
        text.note("rendezvous: refused; retrying in 1.0 s");
        text.error("no such name");
        assertEquals("2025-06-01 12:03:07.512 WARN  rendezvous: refused; retrying in 1.0 s\n", out.toString());
        assertEquals("2025-06-01 12:03:07.512 ERROR no such name\n", err.toString());

        StringWriter json = new StringWriter();
        Output.logging(new PrintWriter(json), new PrintWriter(err), LogLevel.INFO, LogFormat.JSON, NOON)
                .event("path", "path: relay via rv:7000", "path", "relay");
        assertEquals("{\"time\":\"2025-06-01T12:03:07.512Z\",\"level\":\"info\",\"event\":\"path\",\"path\":\"relay\"}\n",
                json.toString());
    }
}
