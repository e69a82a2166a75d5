package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceNameTest {
    @ParameterizedTest
    @CsvSource({"mypc,mypc", "MyPC,mypc", "a,a", "web-1,web-1", "0day,0day"})
    void validNamesAreFoldedToLowerCase(String name, String canonical) {
        assertEquals(canonical, ServiceName.canonical(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-web", "web-", "my_pc", "my.pc", "pc!", "ünï",
            "a123456789012345678901234567890123456789012345678901234567890123"})
    void invalidNamesSayWhy(String name) {
        assertTrue(ServiceName.problem(name).orElseThrow().startsWith("name"));
    }
}
