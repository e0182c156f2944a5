package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-hunt/sluice/baseline"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/source"
)

func baselineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Save what the logs show as normal, so that later hunts report only what is new",
	}
	cmd.AddCommand(baselineSaveCmd(), baselineShowCmd())
	return cmd
}

func baselineSaveCmd() *cobra.Command {
	var out, configPath string
	var merge bool
	cmd := &cobra.Command{
		Use:   "save -o FILE [flags] PATH...",
		Short: "Read logs and save what they show (user agents, network processes, cloud principals' reads) to a baseline file",
		Example: `  sluice baseline save -o baseline.json /data/zeek/2026-11-01/ /data/zeek/2026-11-02/
  sluice hunt --baseline baseline.json /data/zeek/2026-11-22/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("-o FILE is required")
			}
			cfg, err := loadConfig(configPath)
			if err != nil {
				return err
			}
			var chosen []detect.Detection
			for _, d := range detect.All() {
				if _, ok := d.(detect.Baseliner); ok {
					chosen = append(chosen, d)
				}
			}
			dets, err := cfg.Apply(chosen)
			if err != nil {
				return err
			}
			internal, err := cfg.Internal()
			if err != nil {
				return err
			}
			external, err := cfg.External()
			if err != nil {
				return err
			}
			inputs, err := source.Expand(args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			res, err := engine.Run(cmd.Context(), inputs, engine.Options{
				Detections: dets, Env: &detect.Env{Internal: internal, External: external}, CollectBaseline: true, NoScore: true,
			})
			if err != nil {
				return err
			}
			store := baseline.New()
			if merge {
				if old, err := baseline.Load(out); err == nil {
					store = old
				} else if !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
			before := map[string]int{}
			for _, sec := range store.Sections() {
				before[sec] = store.Len(sec)
			}
			for sec, vs := range res.Baseline {
				store.Add(sec, vs...)
			}
			if err := store.Save(out); err != nil {
				return err
			}
			var parts []string
			for _, sec := range store.Sections() {
				parts = append(parts, fmt.Sprintf("%s %d (%d new)", sec, store.Len(sec), store.Len(sec)-before[sec]))
			}
			var records int64
			for _, n := range res.Events {
				records += n
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "sluice: baseline %s: %s, from %d records in %d files\n",
				out, strings.Join(parts, ", "), records, len(inputs))
			for _, p := range append(res.Failed, res.Unrecognized...) {
				fmt.Fprintf(cmd.ErrOrStderr(), "  not read: %s: %s\n", p.File, p.Msg)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the baseline file to write")
	cmd.Flags().BoolVar(&merge, "merge", false, "add to the file's baseline instead of replacing it")
	cmd.Flags().StringVar(&configPath, "config", "", "sluice.yaml (default: ./sluice.yaml when present)")
	return cmd
}

func baselineShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show FILE",
		Short: "List a baseline's sections and values",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := baseline.Load(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, sec := range s.Sections() {
				fmt.Fprintf(w, "%s (%d)\n", sec, s.Len(sec))
				for _, v := range s.Values(sec) {
					fmt.Fprintf(w, "  %q\n", v)
				}
			}
			return nil
		},
	}
}
