package io.videolb.app;

import io.videolb.config.ConfigCli;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code videolb validate DIR}: checks the four CSV files, no broker needed. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Check the CSV files of DIR without any broker; every error as file.csv:LINE: field: message.",
            "Exit: 0 valid, 1 invalid, 2 usage."
        })
final class ValidateCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "DIR",
            description =
                    "Directory with param.csv, client-list.csv, fwmark-routing-list.csv, realserver-backup-list.csv.")
    Path dir;

    @Override
    public Integer call() {
        return ConfigCli.validate(dir, Io.out, Io.err).code();
    }
}
