package panos

import "strings"

// fieldID names a field the reader uses. Every other field is split over and never converted.
type fieldID uint8

const (
	fReceive fieldID = iota
	fSerial
	fType
	fSubtype
	fGenerated
	fSrc
	fDst
	fRule
	fSrcUser
	fApp
	fSessionID
	fSport
	fDport
	fProto
	fAction
	fBytesSent
	fBytesRecv
	fStart
	fElapsed
	fSeqno
	fPktsSent
	fPktsRecv
	fEndReason
	fMisc
	fThreat
	fDirection
	fContentType
	fFileDigest
	fUserAgent
	fReferer
	fMethod
	numFields
)

// layout says in which column each field is; -1 when the line has no such column.
type layout struct {
	col  [numFields]int16
	need int // fields a line must have (the positional layouts' oldest shape)
	max  int // the highest column used, +1: splitting stops there
}

func newLayout() layout {
	var l layout
	for i := range l.col {
		l.col[i] = -1
	}
	return l
}

func (l *layout) set(f fieldID, col int) {
	l.col[f] = int16(col)
	l.max = max(l.max, col+1)
}

// The columns of the syslog (and Panorama CSV) format, the same in every PAN-OS release since
// 6.0: fields are only ever appended. See the package documentation for the sources.
const (
	colReceive   = 1
	colSerial    = 2
	colType      = 3
	colSubtype   = 4
	colGenerated = 6
	colSrc       = 7
	colDst       = 8
	colRule      = 11
	colSrcUser   = 12
	colApp       = 14
	colSessionID = 22
	colSport     = 24
	colDport     = 25
	colProto     = 29
	colAction    = 30

	// TRAFFIC
	colBytesSent = 32
	colBytesRecv = 33
	colStart     = 35
	colElapsed   = 36
	colTrafSeqno = 39
	colPktsSent  = 44 // 6.0
	colPktsRecv  = 45 // 6.0
	colEndReason = 46 // 6.1

	// THREAT
	colMisc        = 31
	colThreat      = 32
	colDirection   = 35
	colThreatSeqno = 36
	colContentType = 41 // 6.0
	colFileDigest  = 43 // 6.1
	colUserAgent   = 46
	colReferer     = 49
	colMethod      = 63 // 8.0
)

// trafficLayout and threatLayout are the positional layouts of the two log types read.
var trafficLayout, threatLayout = positional(true), positional(false)

func positional(traffic bool) *layout {
	l := newLayout()
	for _, c := range []struct {
		f   fieldID
		col int
	}{
		{fReceive, colReceive}, {fSerial, colSerial}, {fType, colType}, {fSubtype, colSubtype},
		{fGenerated, colGenerated}, {fSrc, colSrc}, {fDst, colDst}, {fRule, colRule},
		{fSrcUser, colSrcUser}, {fApp, colApp}, {fSessionID, colSessionID}, {fSport, colSport},
		{fDport, colDport}, {fProto, colProto}, {fAction, colAction},
	} {
		l.set(c.f, c.col)
	}
	if traffic {
		l.set(fBytesSent, colBytesSent)
		l.set(fBytesRecv, colBytesRecv)
		l.set(fStart, colStart)
		l.set(fElapsed, colElapsed)
		l.set(fSeqno, colTrafSeqno)
		l.set(fPktsSent, colPktsSent)
		l.set(fPktsRecv, colPktsRecv)
		l.set(fEndReason, colEndReason)
		l.need = colElapsed + 1
	} else {
		l.set(fMisc, colMisc)
		l.set(fThreat, colThreat)
		l.set(fDirection, colDirection)
		l.set(fSeqno, colThreatSeqno)
		l.set(fContentType, colContentType)
		l.set(fFileDigest, colFileDigest)
		l.set(fUserAgent, colUserAgent)
		l.set(fReferer, colReferer)
		l.set(fMethod, colMethod)
		l.need = colDirection + 1
	}
	return &l
}

// headerNames maps the column names of the CSV files the web interface and Panorama export
// (Monitor > Logs > Export to CSV), and the field names of the syslog documentation, to the
// fields they hold. Names are compared in normal form (see normName): lower case, letters and
// digits only. The first column of a name wins (PAN-OS 10 exports a second "Serial Number",
// the GlobalProtect host's).
var headerNames = map[string]fieldID{}

func init() {
	for f, names := range map[fieldID][]string{
		fReceive:     {"Receive Time", "receive_time"},
		fSerial:      {"Serial #", "Serial Number", "serial"},
		fType:        {"Type"},
		fSubtype:     {"Threat/Content Type", "Content/Threat Type", "Subtype"},
		fGenerated:   {"Generate Time", "Generated Time", "time_generated"},
		fSrc:         {"Source address", "Source IP", "src"},
		fDst:         {"Destination address", "Destination IP", "dst"},
		fRule:        {"Rule", "Rule Name"},
		fSrcUser:     {"Source User", "srcuser"},
		fApp:         {"Application", "app"},
		fSessionID:   {"Session ID", "sessionid"},
		fSport:       {"Source Port", "sport"},
		fDport:       {"Destination Port", "dport"},
		fProto:       {"IP Protocol", "Protocol", "proto"},
		fAction:      {"Action"},
		fBytesSent:   {"Bytes Sent", "bytes_sent"},
		fBytesRecv:   {"Bytes Received", "bytes_received"},
		fStart:       {"Start Time", "start"},
		fElapsed:     {"Elapsed Time (sec)", "Elapsed Time", "elapsed"},
		fSeqno:       {"seqno", "Sequence Number"},
		fPktsSent:    {"pkts_sent", "Packets Sent"},
		fPktsRecv:    {"pkts_received", "Packets Received"},
		fEndReason:   {"session_end_reason", "Session End Reason"},
		fMisc:        {"URL", "URL/Filename", "misc"},
		fThreat:      {"Threat/Content Name", "Threat ID", "threatid"},
		fDirection:   {"Direction"},
		fContentType: {"contenttype", "Content Type"},
		fFileDigest:  {"filedigest", "File Digest"},
		fUserAgent:   {"user_agent", "User Agent"},
		fReferer:     {"referer", "Referer"},
		fMethod:      {"http_method", "HTTP Method"},
	} {
		for _, n := range names {
			headerNames[normName(n)] = f
		}
	}
}

// normName is a column name in normal form: its letters (lower case) and digits.
func normName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		}
	}
	return b.String()
}

// headerLayout builds the layout of an exported CSV file from its header's column names; ok is
// false when the names are not a PAN-OS log's (no receive time, serial number and type).
func headerLayout(names [][]byte) (*layout, bool) {
	l := newLayout()
	for i, n := range names {
		f, ok := headerNames[normName(string(n))]
		if ok && l.col[f] < 0 {
			l.set(f, i)
		}
	}
	if l.col[fReceive] < 0 || l.col[fSerial] < 0 || l.col[fType] < 0 {
		return nil, false
	}
	l.need = int(l.col[fType]) + 1
	return &l, true
}
