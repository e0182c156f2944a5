// Command sluice hunts data exfiltration and command-and-control in the logs defenders have.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "sluice:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "sluice",
		Short: "Hunt exfiltration and C2 in Zeek and other logs",
		Long: `sluice hunts data exfiltration over alternative protocols (ATT&CK T1048) and
command-and-control over application protocols (T1071) in the logs you already have.
Point it at files or folders of logs; it prints a ranked, explained list of findings.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(huntCmd(), detectionsCmd(), configCmd(), versionCmd())
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print sluice's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "sluice", version)
		},
	}
}
