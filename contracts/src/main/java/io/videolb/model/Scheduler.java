package io.videolb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** IPVS scheduling algorithms, by their ipvsadm names. */
public enum Scheduler {
    RR,
    WRR,
    LC,
    WLC,
    LBLC,
    LBLCR,
    DH,
    SH,
    SED,
    NQ,
    FO,
    OVF,
    MH;

    /** Parses an ipvsadm scheduler name (lower case, exact). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Scheduler parse(String text) {
        String s = FieldText.check(text);
        for (Scheduler sch : values()) {
            if (sch.ipvsName().equals(s)) return sch;
        }
        throw new InvalidValueException("'" + s + "' is not an IPVS scheduler (one of "
                + Arrays.stream(values()).map(Scheduler::ipvsName).collect(Collectors.joining(" ")) + ")");
    }

    @JsonValue
    public String ipvsName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the scheduler takes server weights into account. */
    public boolean usesWeights() {
        return this == WRR
                || this == WLC
                || this == SED
                || this == NQ
                || this == FO
                || this == OVF
                || this == MH
                || this == LBLC
                || this == LBLCR;
    }
}
