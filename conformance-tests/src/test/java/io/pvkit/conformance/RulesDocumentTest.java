package io.pvkit.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** RULES.md is generated from the catalogue; this test fails when the checked-in file is stale. */
class RulesDocumentTest {

    private static final Path RULES_MD = Path.of("RULES.md");

    @Test
    void shouldMatchTheCheckedInRulesDocument() throws IOException {
        String rendered = RulesDocument.render();
        if (Boolean.getBoolean("pvkit.updateRules")) {
            RulesDocument.write(RULES_MD);
        }
        assertTrue(Files.exists(RULES_MD), "conformance-tests/RULES.md is missing; generate it with: "
                + "./mvnw -q -B -pl conformance-tests -am verify -Dpvkit.updateRules=true");
        assertEquals(rendered, Files.readString(RULES_MD, StandardCharsets.UTF_8),
                "conformance-tests/RULES.md is out of date with RuleCatalogue; regenerate it with: "
                        + "./mvnw -q -B -pl conformance-tests -am verify -Dpvkit.updateRules=true");
    }

    @Test
    void shouldRenderEveryRuleWithAnchorLevelAndSource() {
        String rendered = RulesDocument.render();
        for (Rule rule : RuleCatalogue.all()) {
            assertTrue(rendered.contains("<a id=\"" + rule.anchor() + "\"></a>" + rule.id() + " | " + rule.level()),
                    rule.id());
            assertTrue(rendered.contains(rule.source().replace("|", "\\|")), rule.id());
        }
    }
}
