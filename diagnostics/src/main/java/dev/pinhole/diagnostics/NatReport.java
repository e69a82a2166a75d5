package dev.pinhole.diagnostics;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The verdict, field for field what {@code --json} prints. */
record NatReport(
        boolean udp,
        @JsonProperty("local_address") String localAddress,
        @JsonProperty("public_address") String publicAddress,
        String mapping,
        String filtering,
        @JsonProperty("port_preserved") Boolean portPreserved,
        Boolean hairpinning,
        @JsonProperty("cgnat_suspected") boolean cgnatSuspected,
        @JsonProperty("nat_type") String natType,
        @JsonProperty("direct_with") List<String> directWith,
        List<String> notes) {}
