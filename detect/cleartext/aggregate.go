package cleartext

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

// key is one source, one destination and one protocol (a row of the table).
type key struct {
	src, dst netip.Addr
	proto    int8
}

// Limits on what a group remembers; counts go on past them.
const (
	maxList   = 4  // users, senders, subjects, agents, recipients named
	maxFiles  = 16 // uploads named (the earliest)
	maxAttach = 32 // mail parts remembered for files.log (the earliest)
	maxSet    = 64 // distinct sessions and recipients counted exactly
)

// Evidence ranks: uploads and mails first, then logins, other commands, data channels, and
// plain connections (ranked by bytes within each tier).
const (
	tierUpload  = 4 << 40
	tierLogin   = 3 << 40
	tierCommand = 2 << 40
	tierData    = 1 << 40
)

// ftpFile is one upload command answered 1xx/2xx.
type ftpFile struct {
	name string
	size int64 // event.Unset when the record did not say
	fuid string
	mime string
	cmd  string
	ts   event.Time
	ref  event.Ref
}

// part is one MIME part (file id) a mail listed.
type part struct {
	fuid string
	ts   event.Time
	ref  event.Ref
}

// group is the state of one key.
type group struct {
	first, last event.Time
	port        uint16 // destination (control) port, from the earliest record
	portTS      event.Time
	l4          string // transport of the earliest connection
	l4TS        event.Time
	service     string // service field of the earliest connection
	serviceTS   event.Time

	// connections (conn.log)
	conns, established, encrypted int64
	out, in                       int64
	sessions                      hashSet // distinct connections: established conns and records

	// FTP data channels (conn.log service ftp-data)
	dataConns, dataUp, dataDown int64

	// FTP commands (ftp.log)
	ftpRecords                   int64
	users                        []string // non-anonymous, sorted
	anonymous                    bool
	pass, loginOK, loginFail     int64
	uploads, refused, unanswered int64
	upSized                      int64 // sum of the sizes upload records stated
	files                        []ftpFile
	downloads, downBytes         int64

	// SMTP transactions (smtp.log)
	mails, tlsMails                  int64
	senders, subjects, agents, rcpts []string
	rcptSet                          hashSet
	partN                            int64
	parts                            []part

	ev evidence
}

// Aggregator holds one worker's state.
type Aggregator struct {
	c      *compiled
	err    error
	env    *detect.Env
	k      int
	relays int
	groups map[key]*group
	files  map[string]fileRec             // FTP_DATA and SMTP files sent to the outside, by fuid
	peers  map[netip.Addr]*detect.Sources // internal SMTP servers -> distinct clients
}

// fileRec is a file files.log saw an internal host send to the outside.
type fileRec struct {
	smtp   bool
	tx, rx netip.Addr
	size   int64 // event.Unset when unknown
	mime   string
	name   string
	ts     event.Time
	ref    event.Ref
}

// NewAggregator returns empty state for one worker.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	a := &Aggregator{c: d.c, env: env, k: env.Evidence, relays: d.p.RelayClients,
		groups: map[key]*group{}, files: map[string]fileRec{}, peers: map[netip.Addr]*detect.Sources{}}
	if a.c == nil {
		a.c, a.err = compile(&d.p)
	}
	return a
}

// egress reports an internal source talking to an outside destination that is one host.
func (a *Aggregator) egress(src, dst netip.Addr) bool {
	return src.IsValid() && dst.IsValid() && a.env.IsInternal(src) && !a.env.IsInternal(dst) && !netset.IsSpecial(dst)
}

// allowed reports traffic the allowlists sanction: FTP to ftp_servers, SMTP to or from
// mail_servers.
func (a *Aggregator) allowed(id int8, src, dst netip.Addr) bool {
	switch id {
	case a.c.ftp:
		return a.c.ftpServers.Contains(dst)
	case a.c.smtp:
		return a.c.mailSrv.Contains(dst) || a.c.mailSrv.Contains(src)
	}
	return false
}

func (a *Aggregator) group(k key, ts event.Time) *group {
	g := a.groups[k]
	if g == nil {
		g = &group{first: ts, last: ts}
		a.groups[k] = g
	}
	g.first = min(g.first, ts)
	g.last = max(g.last, ts)
	return g
}

// peer notes that client reached the internal SMTP server.
func (a *Aggregator) peer(server, client netip.Addr) {
	if a.relays <= 0 || !client.IsValid() {
		return
	}
	s := a.peers[server]
	if s == nil {
		s = &detect.Sources{}
		a.peers[server] = s
	}
	s.Add(a.relays, client.As16())
}

// established reports a connection that was answered.
func established(e *event.Conn) bool {
	switch e.ConnState {
	case "S1", "SF", "S2", "S3", "RSTO", "RSTR":
		return true
	}
	return e.RespBytes > 0
}

func transport(p string) string {
	switch p {
	case "tcp":
		return "tcp"
	case "udp":
		return "udp"
	case "":
		return ""
	}
	return strings.Clone(p)
}

// ObserveConn classifies a connection and counts it for its protocol.
func (a *Aggregator) ObserveConn(e *event.Conn) {
	c := a.c
	if c == nil {
		return
	}
	id, data, tls := c.classify(e.Service, e.DstPort)
	if data {
		a.dataChannel(e)
		return
	}
	if id < 0 {
		return
	}
	est := established(e)
	if id == c.smtp && a.env.IsInternal(e.Dst) {
		if est {
			a.peer(e.Dst, e.Src)
		}
		return
	}
	if !a.egress(e.Src, e.Dst) || a.allowed(id, e.Src, e.Dst) {
		return
	}
	g := a.group(key{e.Src, e.Dst, id}, e.TS)
	g.conns++
	out, in := max(e.OrigBytes, 0), max(e.RespBytes, 0)
	g.out += out
	g.in += in
	if tls {
		g.encrypted++
	}
	g.offerPort(e.TS, e.DstPort)
	if e.TS < g.l4TS || g.l4 == "" || e.TS == g.l4TS && e.Proto < g.l4 {
		g.l4, g.l4TS = transport(e.Proto), e.TS
	}
	if e.Service != "" && (g.service == "" || e.TS < g.serviceTS || e.TS == g.serviceTS && e.Service < g.service) {
		g.service, g.serviceTS = strings.Clone(e.Service), e.TS
	}
	note := c.rows[id].label + " connection"
	if est {
		g.established++
		g.sessions.add(sessionHash(e.UID, e.TS, e.SrcPort))
		note += ", " + finding.Commas(out) + " B out, " + finding.Commas(in) + " B in"
	} else {
		note += " not established (" + orDash(e.ConnState) + ")"
	}
	g.ev.add(a.k, detect.Item{Rank: out + in, TS: e.TS, Ref: e.Ref, SrcPort: e.SrcPort}, note)
}

// dataChannel counts an FTP data connection for its client and server: passive mode has the
// client connect out, active mode has the server connect in.
func (a *Aggregator) dataChannel(e *event.Conn) {
	c := a.c
	if c.ftp < 0 {
		return
	}
	client, server := e.Src, e.Dst
	up, down := max(e.OrigBytes, 0), max(e.RespBytes, 0)
	if !a.egress(client, server) {
		client, server, up, down = e.Dst, e.Src, down, up
		if !a.egress(client, server) {
			return
		}
	}
	if c.ftpServers.Contains(server) {
		return
	}
	g := a.group(key{client, server, c.ftp}, e.TS)
	g.dataConns++
	g.dataUp += up
	g.dataDown += down
	g.ev.add(a.k, detect.Item{Rank: tierData + up, TS: e.TS, Ref: e.Ref, SrcPort: e.SrcPort},
		"FTP data channel: "+finding.Commas(up)+" B from the client, "+finding.Commas(down)+" B to it")
}

func (g *group) offerPort(ts event.Time, p uint16) {
	if p == 0 {
		return
	}
	if g.port == 0 || ts < g.portTS || ts == g.portTS && p < g.port {
		g.port, g.portTS = p, ts
	}
}

// ObserveFTP counts one FTP command of a client talking to an outside server.
func (a *Aggregator) ObserveFTP(e *event.FTP) {
	c := a.c
	if c == nil || c.ftp < 0 || !a.egress(e.Src, e.Dst) || c.ftpServers.Contains(e.Dst) {
		return
	}
	g := a.group(key{e.Src, e.Dst, c.ftp}, e.TS)
	g.ftpRecords++
	g.offerPort(e.TS, e.DstPort)
	if g.l4 == "" {
		g.l4, g.l4TS = "tcp", e.TS
	}
	g.sessions.add(sessionHash(e.UID, e.TS, e.SrcPort))
	cmd := e.Command
	if !isUpper(cmd) {
		cmd = strings.ToUpper(cmd)
	}
	user := e.User
	if cmd == "USER" && e.Arg != "" {
		user = e.Arg
	}
	if user != "" && user != "<unknown>" && user != "-" {
		if c.isAnonymous(user) {
			g.anonymous = true
		} else {
			g.users = addSorted(g.users, user, maxList)
		}
	}
	reply := e.ReplyCode
	ok := 100 <= reply && reply < 300
	rank := int64(tierCommand)
	switch {
	case cmd == "PASS":
		g.pass++
		rank = tierLogin
		switch reply {
		case 230, 202:
			g.loginOK++
			rank += 2
		case 530:
			g.loginFail++
			rank++
		}
	case c.upload[cmd]:
		switch {
		case ok:
			g.uploads++
			if e.FileSize >= 0 {
				g.upSized += e.FileSize
			}
			g.addFile(ftpFile{name: baseName(e.Arg), size: e.FileSize, fuid: e.FUID, mime: e.MimeType, cmd: cmd, ts: e.TS, ref: e.Ref})
			rank = tierUpload + max(e.FileSize, 0)
		case reply >= 400:
			g.refused++
		default:
			g.unanswered++
		}
	case c.download[cmd]:
		if ok {
			g.downloads++
			if e.FileSize >= 0 {
				g.downBytes += e.FileSize
			}
		}
	}
	g.ev.add(a.k, detect.Item{Rank: rank, TS: e.TS, Ref: e.Ref, SrcPort: e.SrcPort}, ftpNote(cmd, e, user))
}

// ftpNote describes an FTP record for its evidence; a password is not repeated.
func ftpNote(cmd string, e *event.FTP, user string) string {
	var b strings.Builder
	b.WriteString(cmd)
	switch {
	case cmd == "PASS":
		b.WriteString(" (hidden)")
		if user != "" && user != "<unknown>" {
			b.WriteString(" for " + finding.Clip(user, 64))
		}
	case e.Arg != "":
		b.WriteString(" " + finding.Clip(e.Arg, 120))
	}
	if e.ReplyCode >= 0 {
		b.WriteString(": " + strconv.FormatInt(e.ReplyCode, 10))
		if e.ReplyMsg != "" {
			b.WriteString(" " + finding.Clip(e.ReplyMsg, 60))
		}
	} else {
		b.WriteString(": no reply")
	}
	if e.FileSize >= 0 {
		b.WriteString(", " + finding.Commas(e.FileSize) + " B")
	}
	return b.String()
}

// addFile keeps the earliest uploads.
func (g *group) addFile(f ftpFile) {
	if len(g.files) == maxFiles {
		last := g.files[maxFiles-1]
		if !earlier(f.ts, f.ref, last.ts, last.ref) {
			return
		}
		g.files = g.files[:maxFiles-1]
	}
	f.name, f.fuid, f.mime = strings.Clone(f.name), strings.Clone(f.fuid), strings.Clone(f.mime)
	if f.cmd != "STOR" && f.cmd != "STOU" && f.cmd != "APPE" {
		f.cmd = strings.Clone(f.cmd)
	}
	i, _ := slices.BinarySearchFunc(g.files, f, func(x, y ftpFile) int { return cmpAt(x.ts, x.ref, y.ts, y.ref) })
	g.files = slices.Insert(g.files, i, f)
}

func earlier(t1 event.Time, r1 event.Ref, t2 event.Time, r2 event.Ref) bool {
	return cmpAt(t1, r1, t2, r2) < 0
}

func cmpAt(t1 event.Time, r1 event.Ref, t2 event.Time, r2 event.Ref) int {
	switch {
	case t1 < t2:
		return -1
	case t1 > t2:
		return 1
	case r1.Less(r2):
		return -1
	case r2.Less(r1):
		return 1
	}
	return 0
}

// ObserveSMTP counts one mail transaction: to an internal server it marks the server as
// receiving mail (a relay), to the outside it is direct SMTP.
func (a *Aggregator) ObserveSMTP(e *event.SMTP) {
	c := a.c
	if c == nil || c.smtp < 0 {
		return
	}
	if a.env.IsInternal(e.Dst) {
		a.peer(e.Dst, e.Src)
		return
	}
	if !a.egress(e.Src, e.Dst) || a.allowed(c.smtp, e.Src, e.Dst) {
		return
	}
	g := a.group(key{e.Src, e.Dst, c.smtp}, e.TS)
	g.mails++
	g.offerPort(e.TS, e.DstPort)
	if g.l4 == "" {
		g.l4, g.l4TS = "tcp", e.TS
	}
	g.sessions.add(sessionHash(e.UID, e.TS, e.SrcPort))
	if e.TLS {
		g.tlsMails++
	}
	sender := strings.Trim(e.MailFrom, "<> ")
	if sender == "" {
		sender = strings.TrimSpace(e.From)
	}
	if sender != "" {
		g.senders = addSorted(g.senders, sender, maxList)
	}
	for _, r := range e.RcptTo {
		r = strings.Trim(r, "<> ")
		if r == "" {
			continue
		}
		g.rcptSet.add(hashFold(r))
		g.rcpts = addSorted(g.rcpts, r, maxList)
	}
	if e.Subject != "" {
		g.subjects = addSorted(g.subjects, e.Subject, maxList)
	}
	if e.UserAgent != "" {
		g.agents = addSorted(g.agents, e.UserAgent, 2)
	}
	for _, f := range e.FUIDs {
		if f == "" {
			continue
		}
		g.partN++
		g.addPart(part{fuid: f, ts: e.TS, ref: e.Ref})
	}
	note := "mail"
	if sender != "" {
		note += " from " + finding.Clip(sender, 80)
	}
	note += " to " + finding.Plural(int64(len(e.RcptTo)), "recipient")
	if len(e.FUIDs) > 0 {
		note += ", " + finding.Plural(int64(len(e.FUIDs)), "MIME part")
	}
	if e.Subject != "" {
		note += ", subject " + strconv.Quote(finding.Clip(e.Subject, 80))
	}
	if e.TLS {
		note += ", STARTTLS"
	}
	g.ev.add(a.k, detect.Item{Rank: tierUpload + int64(len(e.FUIDs))<<20 + int64(len(e.RcptTo)), TS: e.TS, Ref: e.Ref, SrcPort: e.SrcPort}, note)
}

func (g *group) addPart(p part) {
	if len(g.parts) == maxAttach {
		last := g.parts[maxAttach-1]
		if c := cmpAt(p.ts, p.ref, last.ts, last.ref); c > 0 || c == 0 && p.fuid >= last.fuid {
			return
		}
		g.parts = g.parts[:maxAttach-1]
	}
	p.fuid = strings.Clone(p.fuid)
	i, _ := slices.BinarySearchFunc(g.parts, p, func(x, y part) int {
		if c := cmpAt(x.ts, x.ref, y.ts, y.ref); c != 0 {
			return c
		}
		return strings.Compare(x.fuid, y.fuid)
	})
	if i < len(g.parts) && g.parts[i].fuid == p.fuid {
		return
	}
	g.parts = slices.Insert(g.parts, i, p)
}

// ObserveFile keeps the files of FTP data channels and of mails that an internal host sent to
// the outside, for the scoring to name and size uploads and attachments.
func (a *Aggregator) ObserveFile(f *event.File) {
	c := a.c
	if c == nil || f.FUID == "" {
		return
	}
	var smtp bool
	switch {
	case containsFold(f.Source, "FTP") && c.ftp >= 0:
	case containsFold(f.Source, "SMTP") && c.smtp >= 0:
		smtp = true
	default:
		return
	}
	tx, rx := fileEnds(f)
	if !a.egress(tx, rx) {
		return
	}
	if smtp && a.allowed(c.smtp, tx, rx) || !smtp && c.ftpServers.Contains(rx) {
		return
	}
	r := fileRec{smtp: smtp, tx: tx, rx: rx, size: max(f.SeenBytes, f.TotalBytes, event.Unset), ts: f.TS, ref: f.Ref}
	if old, ok := a.files[f.FUID]; ok && !r.ref.Less(old.ref) {
		return
	}
	r.mime, r.name = strings.Clone(f.MimeType), strings.Clone(f.Filename)
	a.files[strings.Clone(f.FUID)] = r
}

// fileEnds returns the sender and receiver of a file: files.log's tx_hosts and rx_hosts, else
// the connection's endpoints turned by is_orig.
func fileEnds(f *event.File) (tx, rx netip.Addr) {
	if len(f.TxHosts) > 0 && len(f.RxHosts) > 0 {
		tx, _ = netip.ParseAddr(f.TxHosts[0])
		rx, _ = netip.ParseAddr(f.RxHosts[0])
		if tx.IsValid() && rx.IsValid() {
			return tx, rx
		}
	}
	if f.IsOrig == 0 {
		return f.Dst, f.Src
	}
	return f.Src, f.Dst
}

// Merge folds another worker's state into a's.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o, ok := other.(*Aggregator)
	if !ok || o == nil || o == a {
		return
	}
	if a.err == nil {
		a.err = o.err
	}
	for k, og := range o.groups {
		g := a.groups[k]
		if g == nil {
			a.groups[k] = og
			continue
		}
		g.merge(a.k, og)
	}
	for fuid, r := range o.files {
		if old, ok := a.files[fuid]; !ok || r.ref.Less(old.ref) {
			a.files[fuid] = r
		}
	}
	for srv, s := range o.peers {
		if mine := a.peers[srv]; mine != nil {
			mine.Merge(a.relays, s)
		} else {
			a.peers[srv] = s
		}
	}
	o.groups, o.files, o.peers = nil, nil, nil
}

func (g *group) merge(k int, o *group) {
	g.first = min(g.first, o.first)
	g.last = max(g.last, o.last)
	if o.port != 0 {
		g.offerPort(o.portTS, o.port)
	}
	if o.l4 != "" && (g.l4 == "" || o.l4TS < g.l4TS || o.l4TS == g.l4TS && o.l4 < g.l4) {
		g.l4, g.l4TS = o.l4, o.l4TS
	}
	if o.service != "" && (g.service == "" || o.serviceTS < g.serviceTS || o.serviceTS == g.serviceTS && o.service < g.service) {
		g.service, g.serviceTS = o.service, o.serviceTS
	}
	g.conns += o.conns
	g.established += o.established
	g.encrypted += o.encrypted
	g.out += o.out
	g.in += o.in
	g.sessions.merge(&o.sessions)
	g.dataConns += o.dataConns
	g.dataUp += o.dataUp
	g.dataDown += o.dataDown
	g.ftpRecords += o.ftpRecords
	for _, u := range o.users {
		g.users = addSorted(g.users, u, maxList)
	}
	g.anonymous = g.anonymous || o.anonymous
	g.pass += o.pass
	g.loginOK += o.loginOK
	g.loginFail += o.loginFail
	g.uploads += o.uploads
	g.refused += o.refused
	g.unanswered += o.unanswered
	g.upSized += o.upSized
	for _, f := range o.files {
		g.addFile(f)
	}
	g.downloads += o.downloads
	g.downBytes += o.downBytes
	g.mails += o.mails
	g.tlsMails += o.tlsMails
	for _, s := range o.senders {
		g.senders = addSorted(g.senders, s, maxList)
	}
	for _, s := range o.subjects {
		g.subjects = addSorted(g.subjects, s, maxList)
	}
	for _, s := range o.agents {
		g.agents = addSorted(g.agents, s, 2)
	}
	for _, s := range o.rcpts {
		g.rcpts = addSorted(g.rcpts, s, maxList)
	}
	g.rcptSet.merge(&o.rcptSet)
	g.partN += o.partN
	for _, p := range o.parts {
		g.addPart(p)
	}
	g.ev.merge(k, &o.ev)
}

// addSorted inserts s (cloned) into a sorted list of distinct strings that keeps its n
// smallest members, so that the result does not depend on the order of adds and merges.
func addSorted(list []string, s string, n int) []string {
	i, found := slices.BinarySearch(list, s)
	if found || i >= n {
		return list
	}
	list = slices.Insert(list, i, strings.Clone(s))
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// hashSet counts distinct values up to maxSet by keeping their lowest 64-bit hashes.
type hashSet struct {
	h []uint64 // sorted
}

func (s *hashSet) add(v uint64) {
	i, found := slices.BinarySearch(s.h, v)
	if found || i >= maxSet {
		return
	}
	s.h = slices.Insert(s.h, i, v)
	if len(s.h) > maxSet {
		s.h = s.h[:maxSet]
	}
}

func (s *hashSet) merge(o *hashSet) {
	for _, v := range o.h {
		s.add(v)
	}
}

// count is the number of distinct values, exact up to maxSet.
func (s *hashSet) count() int64 { return int64(len(s.h)) }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashFold is FNV-1a of s in lower case.
func hashFold(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		h ^= uint64(b)
		h *= fnvPrime
	}
	return h
}

// sessionHash identifies a connection: its uid, else its start and source port.
func sessionHash(uid string, ts event.Time, sport uint16) uint64 {
	if uid != "" {
		h := uint64(fnvOffset)
		for i := 0; i < len(uid); i++ {
			h ^= uint64(uid[i])
			h *= fnvPrime
		}
		return h
	}
	h := uint64(fnvOffset) ^ 0xff
	for _, v := range [2]uint64{uint64(ts), uint64(sport)} {
		for i := 0; i < 8; i++ {
			h ^= v >> (8 * i) & 0xff
			h *= fnvPrime
		}
	}
	return h
}

func (c *compiled) isAnonymous(user string) bool {
	for _, a := range c.anon {
		if strings.EqualFold(a, user) {
			return true
		}
	}
	return false
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			return false
		}
	}
	return true
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// baseName returns the file name of an FTP argument: the last segment of Zeek's
// ftp://server/path URL, of a path, or the argument itself.
func baseName(arg string) string {
	arg = strings.TrimSpace(arg)
	if i := strings.Index(arg, "://"); i >= 0 {
		rest := arg[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			arg = rest[j:]
		} else {
			arg = ""
		}
	}
	arg = strings.TrimRight(arg, `/\`)
	if i := strings.LastIndexAny(arg, `/\`); i >= 0 {
		arg = arg[i+1:]
	}
	return arg
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// evidence keeps a group's best records and a note for each.
type evidence struct {
	s     detect.Sample
	notes map[event.Ref]string
}

func (e *evidence) add(k int, it detect.Item, note string) {
	if k <= 0 {
		return
	}
	e.s.Add(k, it)
	if e.notes == nil {
		e.notes = map[event.Ref]string{}
	}
	if _, ok := e.notes[it.Ref]; !ok {
		e.notes[it.Ref] = note
	}
	if len(e.notes) > 4*k+8 {
		e.prune()
	}
}

// prune forgets the notes of records the sample no longer holds.
func (e *evidence) prune() {
	keep := make(map[event.Ref]string, e.s.Len())
	for _, it := range e.s.Items() {
		keep[it.Ref] = e.notes[it.Ref]
	}
	e.notes = keep
}

func (e *evidence) merge(k int, o *evidence) {
	if k <= 0 {
		return
	}
	e.s.Merge(k, &o.s)
	if e.notes == nil {
		e.notes = map[event.Ref]string{}
	}
	for r, n := range o.notes {
		if _, ok := e.notes[r]; !ok {
			e.notes[r] = n
		}
	}
	e.prune()
}

func (e *evidence) list() []finding.Evidence {
	return e.s.Evidence(func(it detect.Item) string { return e.notes[it.Ref] })
}
