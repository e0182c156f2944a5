package exfilcmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/attrib"
)

// Rule is one command the detection knows: a program and the arguments that make it the
// command. Kind says what the command does with data.
type Rule struct {
	Name     string   `yaml:"name"`
	Kind     string   `yaml:"kind"`     // archive, transfer, tunnel, encoded, download
	Programs []string `yaml:"programs"` // file names without .exe, lower case
	// Any: the command needs one of these arguments (an exact flag "-r", a prefix "--data*", a
	// short-flag cluster letter "-c+": any argument starting with one dash that holds the
	// letter, or a first operand "@a": the first argument that is not an option). Empty: the
	// program alone is the command.
	Any []string `yaml:"any"`
	// All: the command needs every one of these arguments (same syntax), besides Any.
	All []string `yaml:"all"`
	// Contains: the command line holds every one of these (case-insensitive), for commands
	// inside a script host's command line (PowerShell cmdlets).
	Contains []string `yaml:"contains"`
	Risk     int      `yaml:"risk"`
}

// DefaultRules are the seed's commands with its risk scores (9, 8, 7 as 90, 80, 70), each
// given the arguments that make it, and what the seed misses (marked "beyond the seed").
func DefaultRules() []Rule {
	return []Rule{
		// risk 9
		{Name: "scp", Kind: "transfer", Programs: []string{"scp", "pscp"}, Risk: 90},
		{Name: "rsync", Kind: "transfer", Programs: []string{"rsync"}, Risk: 90},
		{Name: "ftp", Kind: "transfer", Programs: []string{"ftp", "sftp", "tftp", "lftp", "ncftp", "ncftpput"}, Risk: 90},
		// the seed's where lists these but its case() gives them no risk (so it never reports
		// them); they upload data, like scp
		{Name: "curl -d", Kind: "transfer", Programs: []string{"curl"}, Any: []string{"-d", "--data*", "-F", "--form*", "-T", "--upload-file", "--json"}, Risk: 90},
		{Name: "wget --post-file", Kind: "transfer", Programs: []string{"wget"}, Any: []string{"--post-file*", "--post-data*", "--body-file*"}, Risk: 90},
		// beyond the seed: cloud sync tools
		{Name: "rclone copy", Kind: "transfer", Programs: []string{"rclone"}, Any: []string{"@copy", "@sync", "@move", "@copyto", "@moveto"}, Risk: 90},
		// risk 8
		{Name: "tar -cf", Kind: "archive", Programs: []string{"tar", "bsdtar", "gtar"}, All: []string{"-c+", "-f+"}, Risk: 80},
		{Name: "tar -cf", Kind: "archive", Programs: []string{"tar", "bsdtar", "gtar"}, All: []string{"--create", "-f+"}, Risk: 80},
		{Name: "tar -cf", Kind: "archive", Programs: []string{"tar", "bsdtar", "gtar"}, All: []string{"-c+", "--file*"}, Risk: 80},
		{Name: "tar -cf", Kind: "archive", Programs: []string{"tar", "bsdtar", "gtar"}, All: []string{"--create", "--file*"}, Risk: 80},
		{Name: "zip -r", Kind: "archive", Programs: []string{"zip"}, Any: []string{"-r+", "--recurse-paths"}, Risk: 80},
		{Name: "7z a", Kind: "archive", Programs: []string{"7z", "7za", "7zr", "7zg"}, Any: []string{"@a"}, Risk: 80},
		// beyond the seed: the other archivers of T1560.001
		{Name: "rar a", Kind: "archive", Programs: []string{"rar", "winrar"}, Any: []string{"@a"}, Risk: 80},
		{Name: "winzip -a", Kind: "archive", Programs: []string{"wzzip", "winzip32", "winzip64"}, Risk: 80},
		// beyond the seed: SSH port forwarding (a tunnel out, T1572)
		{Name: "ssh tunnel", Kind: "tunnel", Programs: []string{"plink", "ssh", "autossh"}, Any: []string{"-R", "-L", "-D", "-R+", "-L+", "-D+"}, Risk: 80},
		// beyond the seed: PowerShell's own archiver and senders (T1560.001, T1048.003 atomics)
		{Name: "Compress-Archive", Kind: "archive", Programs: []string{"powershell", "pwsh"}, Contains: []string{"compress-archive"}, Risk: 80},
		{Name: "Send-MailMessage -Attachments", Kind: "transfer", Programs: []string{"powershell", "pwsh"}, Contains: []string{"send-mailmessage", "-attachment"}, Risk: 90},
		{Name: "Invoke-WebRequest -InFile", Kind: "transfer", Programs: []string{"powershell", "pwsh"}, Contains: []string{"-infile"}, Risk: 90},
		{Name: "Invoke-WebRequest -Method POST", Kind: "transfer", Programs: []string{"powershell", "pwsh"}, Contains: []string{"-method post"}, Risk: 80},
		// risk 7
		{Name: "powershell -enc", Kind: "encoded", Programs: []string{"powershell", "pwsh"}, Any: []string{"-e", "-ec", "-en", "-enc", "-enco", "-encod", "-encode", "-encoded", "-encodedc*", "/e", "/enc", "/encodedcommand"}, Risk: 70},
		{Name: "wget", Kind: "download", Programs: []string{"wget"}, Risk: 70},
	}
}

// compiled is a rule ready to match.
type compiled struct {
	Rule
	programs map[string]bool
}

func compileRules(rs []Rule) ([]compiled, error) {
	var out []compiled
	for i, r := range rs {
		if r.Name == "" || len(r.Programs) == 0 {
			return nil, fmt.Errorf("commands[%d]: a rule needs a name and programs", i)
		}
		switch r.Kind {
		case "archive", "transfer", "tunnel", "encoded", "download":
		default:
			return nil, fmt.Errorf("commands[%d] %q: kind %q is not archive, transfer, tunnel, encoded or download", i, r.Name, r.Kind)
		}
		c := compiled{Rule: r, programs: map[string]bool{}}
		for _, p := range r.Programs {
			c.programs[strings.ToLower(p)] = true
		}
		out = append(out, c)
	}
	return out, nil
}

// Program is the lower-case file name of an executable without its directory and .exe.
func Program(image string) string {
	image = strings.ToLower(strings.Trim(attrib.ImageName(image), `"' `))
	return strings.TrimSuffix(image, ".exe")
}

// Split splits a command line into arguments: blanks separate them, double quotes group (a
// Windows command line's rule; POSIX single quotes group too).
func Split(cmd string) []string {
	var out []string
	var cur strings.Builder
	in := byte(0)
	has := false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case in != 0:
			if c == in {
				in = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			in, has = c, true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if has || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteByte(c)
		}
	}
	if has || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// match reports whether the rule matches a program, its arguments (argv without argv[0]) and
// its lower-cased command line.
func (c *compiled) match(program string, args []string, lower string) bool {
	if !c.programs[program] {
		return false
	}
	for _, s := range c.Contains {
		if !strings.Contains(lower, strings.ToLower(s)) {
			return false
		}
	}
	for _, want := range c.All {
		if !hasArg(args, want) {
			return false
		}
	}
	if len(c.Any) == 0 {
		return true
	}
	return slices.ContainsFunc(c.Any, func(w string) bool { return hasArg(args, w) })
}

// hasArg tests one argument pattern (see Rule.Any).
func hasArg(args []string, want string) bool {
	switch {
	case strings.HasPrefix(want, "@"):
		for _, a := range args {
			if strings.HasPrefix(a, "-") || strings.HasPrefix(a, "/") && len(a) <= 3 {
				continue
			}
			return strings.EqualFold(a, want[1:])
		}
		return false
	case strings.HasSuffix(want, "+"): // a letter in a short-flag cluster, or tar's old style "czf"
		letter := want[1 : len(want)-1]
		for i, a := range args {
			if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a[1:], letter) && onlyLetters(a[1:]) {
				return true
			}
			if i == 0 && !strings.HasPrefix(a, "-") && onlyLetters(a) && strings.Contains(a, letter) && len(a) <= 6 {
				return true // tar czf out.tgz dir
			}
		}
		return false
	case strings.HasSuffix(want, "*"):
		p := strings.ToLower(want[:len(want)-1])
		return slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(strings.ToLower(a), p) })
	}
	return slices.ContainsFunc(args, func(a string) bool {
		if strings.EqualFold(a, want) {
			return true
		}
		// --flag=value, -dvalue for a two-letter short flag
		if strings.HasPrefix(want, "--") && strings.HasPrefix(strings.ToLower(a), strings.ToLower(want)+"=") {
			return true
		}
		return len(want) == 2 && want[0] == '-' && len(a) > 2 && a[0] == '-' && a[1] == want[1] && a[1] != '-' && !onlyLetters(a[1:])
	})
}

func onlyLetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// output is the archive a command writes, when it says: tar's -f value, zip's and 7z's first
// file operand, Compress-Archive's -DestinationPath.
func output(kind, program string, args []string) string {
	if kind != "archive" {
		return ""
	}
	switch program {
	case "powershell", "pwsh":
		all := Split(strings.Join(args, " "))
		for i, a := range all {
			if strings.EqualFold(a, "-DestinationPath") && i+1 < len(all) {
				return strings.TrimRight(all[i+1], ";)")
			}
		}
		return ""
	case "tar", "bsdtar", "gtar":
		for i, a := range args {
			if strings.HasPrefix(a, "--file=") {
				return a[len("--file="):]
			}
			if (a == "--file" || strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.HasSuffix(a, "f") || i == 0 && onlyLetters(a) && strings.HasSuffix(a, "f")) && i+1 < len(args) {
				return args[i+1]
			}
		}
	default: // zip -r out.zip dir, 7z a out.7z dir, rar a out.rar dir
		skip := program != "zip" && program != "wzzip"
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				continue
			}
			if skip {
				skip = false
				continue
			}
			return a
		}
	}
	return ""
}
