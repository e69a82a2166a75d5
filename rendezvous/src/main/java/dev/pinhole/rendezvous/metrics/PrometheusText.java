package dev.pinhole.rendezvous.metrics;

import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): for each metric a {@code # HELP} and a
 * {@code # TYPE} line, then one sample per label set, labels sorted, values escaped as the format says
 * (backslash, double quote, newline). Pure: no registry, no I/O.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder();

    public PrometheusText counter(String name, String help, long value) {
        return header(name, help, "counter").sample(name, Map.of(), value);
    }

    public PrometheusText gauge(String name, String help, long value) {
        return header(name, help, "gauge").sample(name, Map.of(), value);
    }

    /** A metric with labels: {@code samples} maps each label set to its value. */
    public PrometheusText labelled(String name, String help, String type, Map<Map<String, String>, Long> samples) {
        header(name, help, type);
        for (var sample : samples.entrySet()) {
            sample(name, sample.getKey(), sample.getValue());
        }
        return this;
    }

    private PrometheusText header(String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    private PrometheusText sample(String name, Map<String, String> labels, long value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (var label : new TreeMap<>(labels).entrySet()) {
                out.append(first ? "" : ",").append(label.getKey()).append("=\"")
                        .append(label.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
                        .append('"');
                first = false;
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
