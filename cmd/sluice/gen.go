package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-hunt/sluice/synth"
)

func genCmd() *cobra.Command {
	var opt synth.Options
	var start string
	cmd := &cobra.Command{
		Use:   "gen [flags] DIR",
		Short: "Write a realistic synthetic day of Zeek logs, with planted cases for each detection",
		Example: `  sluice gen /tmp/day                      # 200 hosts, ~200,000 connections
  sluice gen --conns 5000000 --gzip /tmp/big`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if start != "" {
				t, err := time.Parse("2006-01-02", start)
				if err != nil {
					return fmt.Errorf("--start: %w", err)
				}
				opt.Start = t
			}
			truth, err := synth.Generate(args[0], opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "sluice gen: wrote %s with %d planted cases (truth.jsonl)\n", args[0], len(truth.Cases))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&opt.Seed, "seed", 1, "random seed: the same seed writes the same bytes")
	fl.StringVar(&start, "start", "", "the day to generate, YYYY-MM-DD (default: the generator's fixed day)")
	fl.DurationVar(&opt.Duration, "duration", 24*time.Hour, "time span of the logs")
	fl.IntVar(&opt.Hosts, "hosts", 200, "internal client hosts")
	fl.IntVar(&opt.Conns, "conns", 200_000, "background connections (approximate)")
	fl.BoolVar(&opt.Gzip, "gzip", false, "gzip the logs")
	fl.BoolVar(&opt.Plant, "plant", true, "plant the attack cases")
	return cmd
}
