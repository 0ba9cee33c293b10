package io.videolb.runtime.settings;

import java.util.List;

/**
 * The Markdown table of declared settings that {@code docs/settings.md} holds (a test keeps the two equal):
 * one row per setting and per family, in declaration order.
 */
public final class SettingsTable {
    private SettingsTable() {}

    public static String markdown(List<Declarations> declarations) {
        StringBuilder b = new StringBuilder();
        b.append("| variable | flag | default | allowed | read by | what it is |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (Declarations d : declarations) {
            for (Setting<?> s : d.settings()) row(b, s.name() == null ? "" : code(s.name()), s);
            for (SettingFamily<?> f : d.families()) row(b, code(f.displayName()), f.template());
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Setting<?> s) {
        String description = s.description()
                + (s.secret()
                        ? "; secret (never printed), or " + code(s.name() + "_FILE") + " naming a file holding it"
                        : "");
        b.append("| ")
                .append(name)
                .append(" | ")
                .append(s.flag() == null ? "" : code(s.flag()))
                .append(" | ")
                .append(s.defaultText() == null ? "" : cell(s.defaultText()))
                .append(" | ")
                .append(cell(s.allowed()))
                .append(" | ")
                .append(s.service())
                .append(" | ")
                .append(cell(description))
                .append(" |\n");
    }

    private static String code(String s) {
        return "`" + s + "`";
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }
}
