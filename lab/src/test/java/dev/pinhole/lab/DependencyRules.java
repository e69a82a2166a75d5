package dev.pinhole.lab;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The dependency rules of docs/architecture.md ("Module and package map") as data, and the check of one
 * pom or source file against them. Sources are read as text: a file uses every qualified name in its
 * code, whether imported (static imports too) or written inline; comments and literals do not count.
 */
final class DependencyRules {
    static final String OURS = "dev.pinhole";

    /** Which of our other modules each module may depend on, in its pom and in its main and test sources. */
    static final Map<String, List<String>> MODULES = modules();

    /** A rule for main sources: no file it applies to (by class name) may use a name it forbids. */
    record PackageRule(String statement, Predicate<String> appliesTo, Predicate<String> forbids) {}

    /**
     * Rules inside modules, for main sources only: a test may reach across its module's packages to set a
     * scene (a node's status file, read back through the command line).
     */
    static final List<PackageRule> PACKAGE_RULES = List.of(
            new PackageRule("only peer.cli uses peer.cli: the command line sits on top, and a node runs without it"
                    + " (the lab runs nodes in-process)",
                    under("dev.pinhole.peer").and(under("dev.pinhole.peer.cli").negate()),
                    under("dev.pinhole.peer.cli")),
            new PackageRule("peer.control and peer.punch never use peer.node: they are parts the node assembles,"
                    + " and they reach it only through the callbacks it gives them",
                    under("dev.pinhole.peer.control", "dev.pinhole.peer.punch"),
                    under("dev.pinhole.peer.node")),
            new PackageRule("only rendezvous.cli and the root package use rendezvous.cli: the command line sits on"
                    + " top, and the server runs without it",
                    under("dev.pinhole.rendezvous").and(packageIs("dev.pinhole.rendezvous").negate())
                            .and(under("dev.pinhole.rendezvous.cli").negate()),
                    under("dev.pinhole.rendezvous.cli")),
            new PackageRule("only the root package uses rendezvous.dashboard: the operator's view reads the server,"
                    + " and nothing that serves peers depends on it",
                    under("dev.pinhole.rendezvous").and(packageIs("dev.pinhole.rendezvous").negate())
                            .and(under("dev.pinhole.rendezvous.dashboard").negate()),
                    under("dev.pinhole.rendezvous.dashboard")),
            selfContained("dev.pinhole.rendezvous.state", "the stored tokens and names know nothing of connections"),
            selfContained("dev.pinhole.rendezvous.metrics",
                    "the counters that every part increments depend on none of those parts"),
            selfContained("dev.pinhole.rendezvous.ingress.http",
                    "the HTTP and HTTPS handlers see the server only through the interface they define"),
            new PackageRule("rendezvous.stun uses nothing of the rendezvous but its root package: the STUN server"
                    + " stands apart from the control plane and the registry",
                    under("dev.pinhole.rendezvous.stun"),
                    under("dev.pinhole.rendezvous").and(under("dev.pinhole.rendezvous.stun").negate())
                            .and(packageIs("dev.pinhole.rendezvous").negate())),
            new PackageRule("protocol never uses io.netty.bootstrap: protocol opens no sockets; session, peer and"
                    + " rendezvous do",
                    under("dev.pinhole.protocol"),
                    under("io.netty.bootstrap")),
            new PackageRule("only protocol.stun.StunMessages uses org.ice4j: it is the one adapter to ice4j's STUN"
                    + " codec (docs/dependencies.md)",
                    under("dev.pinhole.protocol.stun.StunMessages").negate(),
                    under("org.ice4j")),
            new PackageRule("only peer.cli, rendezvous.cli, diagnostics and the glue they share (protocol.cli) use"
                    + " picocli: nodes and the server run without a command line",
                    under("dev.pinhole.peer.cli", "dev.pinhole.rendezvous.cli", "dev.pinhole.diagnostics",
                            "dev.pinhole.protocol.cli").negate(),
                    under("picocli")));

    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(?:static\\s+)?([\\w$.]+?)(?:\\.\\*)?\\s*;");
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w$.])[a-z_][\\w$]*(?:\\.[A-Za-z_][\\w$]*)+");

    private DependencyRules() {}

    private static Map<String, List<String>> modules() {
        Map<String, List<String>> modules = new LinkedHashMap<>();
        modules.put("protocol", List.of());
        modules.put("session", List.of("protocol"));
        modules.put("peer", List.of("protocol", "session"));
        modules.put("rendezvous", List.of("protocol", "session"));
        modules.put("diagnostics", List.of("protocol"));
        List<String> product = List.of("protocol", "session", "peer", "rendezvous", "diagnostics");
        modules.put("lab", product);
        modules.put("bench", product);
        // The release archive packs the three commands; its tests run them as processes and import none of ours.
        modules.put("dist", List.of("protocol", "session", "peer", "rendezvous", "diagnostics"));
        return Collections.unmodifiableMap(modules);
    }

    /** A package of {@code pkg}'s module uses nothing else of that module. */
    private static PackageRule selfContained(String pkg, String why) {
        String module = OURS + "." + moduleOf(pkg);
        return new PackageRule(shortName(pkg) + " uses nothing else of " + shortName(module) + ": " + why,
                under(pkg), under(module).and(under(pkg).negate()));
    }

    /** Names that are one of {@code prefixes} or lie below one. */
    static Predicate<String> under(String... prefixes) {
        return name -> Arrays.stream(prefixes).anyMatch(p -> name.equals(p) || name.startsWith(p + "."));
    }

    /** Names whose package is exactly {@code pkg}. */
    static Predicate<String> packageIs(String pkg) {
        return name -> packageOf(name).equals(pkg);
    }

    /** The package part of a qualified name: its segments before the first that starts upper case. */
    static String packageOf(String name) {
        List<String> segments = new ArrayList<>();
        for (String segment : name.split("\\.")) {
            if (Character.isUpperCase(segment.charAt(0))) {
                break;
            }
            segments.add(segment);
        }
        return String.join(".", segments);
    }

    /** Our module a name belongs to ({@code dev.pinhole.peer.node.PeerNode}: peer), or null if not ours. */
    static String moduleOf(String name) {
        String[] segments = name.split("\\.");
        return under(OURS).test(name) && segments.length > 2 ? segments[2] : null;
    }

    private static String shortName(String pkg) {
        return pkg.substring(OURS.length() + 1);
    }

    static String mayDependOn(String module) {
        List<String> allowed = MODULES.getOrDefault(module, List.of());
        return "(" + module + " may depend on: " + (allowed.isEmpty() ? "none of ours" : String.join(", ", allowed)) + ")";
    }

    private static boolean allowed(String module, String other) {
        return other.equals(module) || MODULES.getOrDefault(module, List.of()).contains(other);
    }

    /** What is wrong with one source file; {@code path} is {@code MODULE/src/SET/java/...} from the project root. */
    static List<String> checkSource(String path, String source) {
        String[] parts = path.split("/");
        String module = parts[0];
        boolean main = parts[2].equals("main");
        String code = code(source);
        Matcher declared = PACKAGE.matcher(code);
        if (!declared.find()) {
            return List.of(path + " declares no package (expected: " + OURS + "." + module + " or below)");
        }
        List<String> problems = new ArrayList<>();
        String pkg = declared.group(1);
        String directory = String.join(".", Arrays.asList(parts).subList(4, parts.length - 1));
        if (!pkg.equals(directory)) {
            problems.add(path + " declares package " + pkg + " (expected: " + directory + ", its directory)");
        }
        if (!under(OURS + "." + module).test(pkg)) {
            problems.add(path + " declares package " + pkg + " (expected: " + OURS + "." + module + " or below)");
        }
        String type = pkg + "." + parts[parts.length - 1].replaceFirst("\\.java$", "");
        String body = code.substring(declared.end());
        Matcher imports = IMPORT.matcher(body);
        TreeSet<String> imported = new TreeSet<>();
        while (imports.find()) {
            imported.add(imports.group(1));
        }
        TreeSet<String> inline = new TreeSet<>();
        Matcher qualified = QUALIFIED.matcher(IMPORT.matcher(body).replaceAll(""));
        while (qualified.find()) {
            inline.add(qualified.group());
        }
        check(path, module, main, type, "imports ", imported, problems);
        check(path, module, main, type, "names inline ", inline, problems);
        return problems;
    }

    private static void check(String path, String module, boolean main, String type, String how,
                              TreeSet<String> names, List<String> problems) {
        for (String name : names) {
            String other = moduleOf(name);
            if (other != null && !allowed(module, other)) {
                problems.add(path + " " + how + name + " " + mayDependOn(module));
            }
            if (main) {
                for (PackageRule rule : PACKAGE_RULES) {
                    if (rule.appliesTo().test(type) && rule.forbids().test(name)) {
                        problems.add(path + " " + how + name + " (" + rule.statement() + ")");
                    }
                }
            }
        }
    }

    /** What is wrong with one module's pom: a dependency on one of our modules the map does not allow. */
    static List<String> checkPom(String path, String pom) throws Exception {
        String module = path.split("/")[0];
        List<String> problems = new ArrayList<>();
        for (String artifact : ourDependencies(pom)) {
            String other = artifact.replaceFirst("^pinhole-", "");
            if (!allowed(module, other)) {
                problems.add(path + " depends on " + artifact + " " + mayDependOn(module));
            }
        }
        return problems;
    }

    /** The artifactIds of a pom's direct dependencies (any scope) in our group. */
    static List<String> ourDependencies(String pom) throws Exception {
        List<String> artifacts = new ArrayList<>();
        for (Element dependencies : children(parse(pom), "dependencies")) {
            for (Element dependency : children(dependencies, "dependency")) {
                if (text(dependency, "groupId").equals(OURS)) {
                    artifacts.add(text(dependency, "artifactId"));
                }
            }
        }
        return artifacts;
    }

    /** The modules a parent pom builds. */
    static List<String> modulesOf(String pom) throws Exception {
        List<String> modules = new ArrayList<>();
        for (Element list : children(parse(pom), "modules")) {
            for (Element module : children(list, "module")) {
                modules.add(module.getTextContent().trim());
            }
        }
        return modules;
    }

    private static Element parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? "" : found.get(0).getTextContent().trim();
    }

    /** The source with comments and string, text block and character literals left out. */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? source.length() : end + 2;
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                i = endOfLiteral(source, i + 3, "\"\"\"");
                out.append("\"\"");
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                String quote = String.valueOf(source.charAt(i));
                i = endOfLiteral(source, i + 1, quote);
                out.append(quote).append(quote);
            } else {
                out.append(source.charAt(i++));
            }
        }
        return out.toString();
    }

    private static int endOfLiteral(String source, int from, String close) {
        int i = from;
        while (i < source.length() && !source.startsWith(close, i)) {
            i += source.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + close.length(), source.length());
    }
}
