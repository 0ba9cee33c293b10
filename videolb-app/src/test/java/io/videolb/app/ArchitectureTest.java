package io.videolb.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.properties.HasName;
import com.tngtech.archunit.core.domain.properties.HasOwner;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The domain never imports Kafka, Vert.x or ProcessBuilder; only the agent's apply package, the
 * test harnesses and realserver-setup start processes; only the service runtime creates a Vert.x
 * instance, only {@code NamedThreads} a thread, and only the settings reader reads the environment. Checked over every module's main classes
 * (videolb-app's test classpath sees them all).
 */
class ArchitectureTest {
    /** Pure logic: values, rules, diffs, renderers, parsers, hysteresis, incident grouping. */
    static final String[] DOMAIN = {
        "io.videolb.model..",
        "io.videolb.events..",
        "io.videolb.json..",
        "io.videolb.config.csv..",
        "io.videolb.agent.desired..",
        "io.videolb.agent.plan..",
        "io.videolb.agent.render..",
        "io.videolb.agent.kernel..",
        "io.videolb.agent.observed..",
        "io.videolb.health.verdict..",
        "io.videolb.alert.incident.."
    };

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.videolb");
    }

    @Test
    void everyDomainPackageIsPresentSoNoRuleIsVacuous() {
        for (String p : DOMAIN) {
            String pkg = p.substring(0, p.length() - 2);
            org.assertj.core.api.Assertions.assertThat(
                            classes.stream().anyMatch(c -> c.getPackageName().startsWith(pkg)))
                    .as("classes in " + pkg)
                    .isTrue();
        }
    }

    @Test
    void theDomainNeverDependsOnKafka() {
        noClasses()
                .that()
                .resideInAnyPackage(DOMAIN)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.kafka..")
                .because("the domain is pure; Kafka adapters live in kafka-support and each service's kafka package")
                .check(classes);
    }

    @Test
    void theDomainNeverDependsOnVertx() {
        noClasses()
                .that()
                .resideInAnyPackage(DOMAIN)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.vertx..")
                .because("the domain is pure; HTTP and event loops are adapters")
                .check(classes);
    }

    @Test
    void theDomainNeverStartsProcesses() {
        noClasses()
                .that()
                .resideInAnyPackage(DOMAIN)
                .should()
                .dependOnClassesThat()
                .belongToAnyOf(ProcessBuilder.class)
                .check(classes);
    }

    @Test
    void onlyTheAgentsApplyPackageTheTestHarnessesAndRealServerSetupStartProcesses() {
        noClasses()
                .that()
                .resideOutsideOfPackages("io.videolb.agent.apply..", "io.videolb.testsupport..")
                .and()
                .doNotBelongToAnyOf(RealServerSetup.class)
                .should()
                .dependOnClassesThat()
                .belongToAnyOf(ProcessBuilder.class)
                .because("every command runs through a port with argument lists and timeouts, never a shell")
                .check(classes);
    }

    @Test
    void onlyTheSettingsReaderReadsTheEnvironment() {
        org.assertj.core.api.Assertions.assertThat(classes.contain(io.videolb.runtime.settings.SettingsReader.class))
                .isTrue();
        noClasses()
                .that()
                .resideOutsideOfPackages("io.videolb.runtime.settings..")
                .should()
                .callMethod(System.class, "getenv")
                .orShould()
                .callMethod(System.class, "getenv", String.class)
                .because(
                        "every setting is declared once and read through io.videolb.runtime.settings.SettingsReader (docs/settings.md);"
                                + " test-support's harnesses are test code shipped as a module")
                .check(classes);
    }

    @Test
    void nobodyUsesRuntimeExec() {
        noClasses()
                .should()
                .callMethodWhere(JavaCall.Predicates.target(HasName.Predicates.name("exec"))
                        .and(JavaCall.Predicates.target(
                                HasOwner.Predicates.With.owner(JavaClass.Predicates.equivalentTo(Runtime.class)))))
                .because("Runtime.exec splits a string like a shell would; use ProcessBuilder with an argument list")
                .check(classes);
    }

    /** {@code Vertx.vertx(...)} or {@code Vertx.builder()}: a new Vert.x instance. */
    static final DescribedPredicate<JavaCall<?>> CREATES_VERTX = JavaCall.Predicates.target(
                    HasName.Predicates.name("vertx").or(HasName.Predicates.name("builder")))
            .and(JavaCall.Predicates.target(
                    HasOwner.Predicates.With.owner(JavaClass.Predicates.equivalentTo(io.vertx.core.Vertx.class))));
    /** {@code new Thread(...)}. */
    static final DescribedPredicate<JavaCall<?>> CREATES_THREAD =
            JavaCall.Predicates.target(HasOwner.Predicates.With.owner(JavaClass.Predicates.equivalentTo(Thread.class)));

    @Test
    void onlyTheServiceRuntimeCreatesAVertxInstance() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.videolb.runtime..")
                .should()
                .callMethodWhere(CREATES_VERTX)
                .because("one Vert.x per process: services are verticles deployed on the ServiceRuntime's")
                .check(classes);
        classes()
                .that()
                .belongToAnyOf(io.videolb.runtime.ServiceRuntime.class)
                .should()
                .callMethodWhere(CREATES_VERTX)
                .as("the rule above is not vacuous: it sees the runtime's own creation")
                .check(classes);
    }

    @Test
    void threadsAreMadeOnlyByNamedThreads() {
        noClasses()
                .that()
                .doNotBelongToAnyOf(io.videolb.threads.NamedThreads.class)
                .should()
                .callConstructorWhere(CREATES_THREAD)
                .because("one thread factory: every thread is a daemon whose name says what it does")
                .check(classes);
        classes()
                .that()
                .belongToAnyOf(io.videolb.threads.NamedThreads.class)
                .should()
                .callConstructorWhere(CREATES_THREAD)
                .as("the rule above is not vacuous: it sees NamedThreads' own new Thread")
                .check(classes);
    }
}
