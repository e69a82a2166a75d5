package dev.pinhole.peer.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peer completion bash|zsh}: picocli's generated script, which serves zsh through bashcompinit (the script
 * loads it itself), so both shells get the same one (docs/cli.md, "Shell completion").
 */
@Command(name = "completion", description = {"Print a shell completion script for peer.",
    "bash: source <(peer completion bash), or save it in /etc/bash_completion.d/peer.",
    "zsh: source <(peer completion zsh) in ~/.zshrc."})
final class CompletionCommand implements Callable<Integer> {
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
