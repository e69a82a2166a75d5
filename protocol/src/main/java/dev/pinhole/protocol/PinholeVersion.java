package dev.pinhole.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The release this build is, from the Maven project version (written into {@code version.properties} when the
 * build copies resources). Every command's {@code --version} and the software field of Hello and Welcome use it.
 */
public final class PinholeVersion {
    private static final String VERSION = load();

    private PinholeVersion() {}

    /** The Maven project version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return VERSION;
    }

    /** What {@code --version} prints, the same for every command: the release, then the runtime (for bug reports). */
    public static String[] versionLines() {
        return new String[] {"pinhole " + VERSION,
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
    }

    private static String load() {
        try (InputStream in = PinholeVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the protocol jar (a broken build)");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
