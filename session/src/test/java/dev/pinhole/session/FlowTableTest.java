package dev.pinhole.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FlowTableTest {
    private long now;
    private final FlowTable<String, String> table = new FlowTable<>(2, TimeUnit.SECONDS.toNanos(60), () -> now);

    @Test
    void connectorAssignsIdsInOrderAndFindsFlowsByKeyAndId() {
        FlowTable.Flow<String, String> a = table.open("10.0.0.1:5000", "a");
        FlowTable.Flow<String, String> b = table.open("10.0.0.1:5001", "b");
        assertEquals(0, a.id);
        assertEquals(1, b.id);
        assertSame(a, table.byKey("10.0.0.1:5000"));
        assertSame(b, table.byId(1));
        assertNull(table.byId(2));
    }

    @Test
    void overTheCapNewFlowsAreRefusedAndCounted() {
        table.open("a", "a");
        table.open("b", "b");
        assertNull(table.open("c", "c"));
        assertNull(table.open("d", "d"));
        assertEquals(2, table.refused());
        assertEquals(2, table.size());
    }

    @Test
    void flowsIdleOutAfterTheTimeoutUnlessADatagramKeepsThemAlive() {
        table.open("quiet", "q");
        table.open("busy", "b");
        now += TimeUnit.SECONDS.toNanos(59);
        assertNotNull(table.byKey("busy"));
        assertEquals(List.of(), table.expire());
        now += TimeUnit.SECONDS.toNanos(1);
        List<FlowTable.Flow<String, String>> gone = table.expire();
        assertEquals(List.of("q"), gone.stream().map(f -> f.value).toList());
        assertNull(table.byKey("quiet"));
        assertEquals(1, table.expired());
        assertNotNull(table.open("new", "n"), "an expired flow frees its place under the cap");
        assertNull(table.open("again", "x"), "and only that one");
    }

    @Test
    void theExposerOpensFlowsUnderTheConnectorsIds() {
        assertEquals(7, table.open(7, "7", "seven").id);
        assertEquals(8, table.open("next", "n").id);
    }
}
