package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-hunt/sluice/detect"
	_ "github.com/sluice-hunt/sluice/detect/all"
	"github.com/sluice-hunt/sluice/event"
)

func detectionsCmd() *cobra.Command {
	var configPath string
	cmd := &cobra.Command{
		Use:   "detections",
		Short: "List every detection with its ATT&CK techniques, data sources and parameters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := detect.All()
			if configPath != "" {
				cfg, err := loadConfig(configPath)
				if err != nil {
					return err
				}
				if _, err := cfg.Apply(all); err != nil {
					return err
				}
			}
			writeDetections(cmd.OutOrStdout(), all)
			return nil
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "show parameters as set by this sluice.yaml")
	return cmd
}

func writeDetections(w io.Writer, all []detect.Detection) {
	for i, d := range all {
		if i > 0 {
			fmt.Fprintln(w)
		}
		info := d.Info()
		fmt.Fprintf(w, "%s  %s\n", info.ID, info.Title)
		fmt.Fprintf(w, "  ATT&CK:       %s\n", strings.Join(info.Techniques, ", "))
		var kinds []string
		for _, k := range info.Kinds {
			kinds = append(kinds, k.String())
		}
		fmt.Fprintf(w, "  data sources: %s\n", strings.Join(kinds, ", "))
		if info.Fields != "" {
			fmt.Fprintf(w, "  fields:       %s\n", info.Fields)
		}
		if info.Source != "" {
			fmt.Fprintf(w, "  logic from:   %s\n", info.Source)
		}
		if _, ok := d.(detect.SQLAggregator); ok {
			fmt.Fprintf(w, "  ClickHouse:   aggregation in SQL inside ClickHouse (hunt --clickhouse)\n")
		} else if p, ok := d.(detect.SQLPart); ok {
			var in []string
			for k := event.Kind(0); k < event.NumKinds; k++ {
				if p.SQLKinds().Has(k) {
					in = append(in, k.String())
				}
			}
			fmt.Fprintf(w, "  ClickHouse:   %s records aggregated in SQL inside ClickHouse; the other kinds run on streamed events\n", strings.Join(in, ", "))
		} else {
			fmt.Fprintf(w, "  ClickHouse:   no SQL aggregation yet: runs on the events streamed back from ClickHouse\n")
		}
		fmt.Fprintf(w, "  parameters (sluice.yaml: detections.%s.<name>):\n", info.ID)
		for _, p := range detect.ListParams(d.Params()) {
			fmt.Fprintf(w, "    %s = %s\n", p.Name, p.Default)
			if p.Doc != "" {
				fmt.Fprintf(w, "        %s\n", p.Doc)
			}
		}
	}
}
