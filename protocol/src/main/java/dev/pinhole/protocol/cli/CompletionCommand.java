package dev.pinhole.protocol.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peer|rendezvous|diagnostics completion bash|zsh}: picocli's generated script, which serves zsh through
 * bashcompinit (the script loads it itself), so both shells get the same one (docs/cli.md, "Shell completion").
 */
@Command(name = "completion", description = {"Print a shell completion script for ${ROOT-COMMAND-NAME}.",
    "bash: source <(${ROOT-COMMAND-NAME} completion bash), or save it in"
        + " /etc/bash_completion.d/${ROOT-COMMAND-NAME}.",
    "zsh: source <(${ROOT-COMMAND-NAME} completion zsh) in ~/.zshrc."})
public final class CompletionCommand implements Callable<Integer> {
    enum Shell { bash, zsh }

    @Spec CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    Shell shell;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        spec.commandLine().getOut().print(AutoComplete.bash(root.getCommandName(), root));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
