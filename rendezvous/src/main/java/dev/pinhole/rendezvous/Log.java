package dev.pinhole.rendezvous;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Where the server says what happened. Tests pass one that records; the CLI prints with a timestamp. */
@FunctionalInterface
public interface Log {
    void info(String line);

    static Log printingTo(PrintStream out) {
        DateTimeFormatter format = DateTimeFormatter.ofPattern("HH:mm:ss");
        return line -> out.println(LocalTime.now().format(format) + " " + line);
    }
}
