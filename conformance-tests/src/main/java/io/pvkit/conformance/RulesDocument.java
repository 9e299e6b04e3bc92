package io.pvkit.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders {@link RuleCatalogue} as the Markdown document {@code conformance-tests/RULES.md}.
 *
 * <p>The checked-in file is generated: a test compares it with {@link #render()} and fails when it
 * is out of date; {@code ./mvnw -pl conformance-tests -am verify -Dpvkit.updateRules=true}
 * rewrites it.
 */
public final class RulesDocument {

    private RulesDocument() {
    }

    /**
     * Renders every registered rule set as Markdown: one section per area, one table row and one
     * anchor per rule.
     *
     * @return the document text, with {@code '\n'} line ends
     */
    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append("# pvkit conformance rules\n\n");
        out.append("<!-- Generated from io.pvkit.conformance.RuleCatalogue; do not edit. Regenerate with:\n");
        out.append("     ./mvnw -q -B -pl conformance-tests -am verify -Dpvkit.updateRules=true -->\n\n");
        out.append("MUST rules are tested by `required_<ID>_...` methods and fail the runner; SHOULD rules are tested by\n");
        out.append("`optional_<ID>_...` methods and are reported only. ").append(RuleCatalogue.all().size())
                .append(" rules in ").append(RuleCatalogue.sets().size()).append(" areas.\n");
        for (RuleSet set : RuleCatalogue.sets()) {
            out.append("\n## ").append(set.area()).append("\n\n");
            out.append("| ID | Level | Rule | Source |\n| --- | --- | --- | --- |\n");
            for (Rule rule : set.rules()) {
                out.append("| <a id=\"").append(rule.anchor()).append("\"></a>").append(rule.id())
                        .append(" | ").append(rule.level())
                        .append(" | ").append(escape(rule.text()))
                        .append(" | ").append(escape(rule.source())).append(" |\n");
            }
            if (!set.notes().isBlank()) {
                out.append('\n').append(set.notes().strip()).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * Writes {@link #render()} to a file.
     *
     * @param file the target, normally {@code conformance-tests/RULES.md}
     * @throws IOException when the file cannot be written
     */
    public static void write(Path file) throws IOException {
        Files.writeString(file, render(), StandardCharsets.UTF_8);
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }
}
