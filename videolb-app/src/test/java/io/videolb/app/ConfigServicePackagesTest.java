package io.videolb.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * config-service's HTTP layer sits on top: bearer tokens, the desired-state store, the cluster view and CSV in/out never
 * depend on it (docs/decisions.md, decision 14).
 */
class ConfigServicePackagesTest {
    static final String[] BELOW_HTTP = {
        "io.videolb.config.auth..",
        "io.videolb.config.desired..",
        "io.videolb.config.cluster..",
        "io.videolb.config.csv..",
        "io.videolb.config.publish.."
    };

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.videolb.config");
    }

    @Test
    void everyPackageBelowHttpHasClassesSoTheRuleIsNotVacuous() {
        for (String p : BELOW_HTTP) {
            String pkg = p.substring(0, p.length() - 2);
            assertThat(classes.stream().anyMatch(c -> c.getPackageName().equals(pkg)))
                    .as("classes in " + pkg)
                    .isTrue();
        }
    }

    @Test
    void nothingBelowTheHttpLayerDependsOnIt() {
        noClasses()
                .that()
                .resideInAnyPackage(BELOW_HTTP)
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.videolb.config.http..")
                .because("the HTTP layer uses auth, desired, cluster and csv, never the other way round")
                .check(classes);
    }
}
