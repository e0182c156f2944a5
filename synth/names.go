package synth

// Name lists for the background: popular sites and services as an office network of 2024
// reaches them, the user agents of its machines, and words to make up the long tail of
// less popular sites. Written for this generator.

// Flags of a destination.
const (
	fHTTP   = 1 << iota // also serves plain HTTP on port 80
	fQUIC               // serves HTTP/3 over QUIC (udp/443)
	fUpload             // a file sync or upload service: some sessions send more than they get
	fSystem             // contacted by the operating system (update, certificate status, telemetry)
	fPlain              // HTTP only: certificate status, update and captive-portal hosts
)

type site struct {
	name  string
	flags int
	cname string // CNAME target in DNS answers, when the site sits behind a CDN
}

// popular is the head of the popularity ranking, most popular first.
var popular = []site{
	{"www.google.com", fQUIC, ""},
	{"outlook.office365.com", 0, "outlook.ha.office365.com"},
	{"login.microsoftonline.com", 0, "login.mso.msidentity.com"},
	{"www.gstatic.com", fQUIC, ""},
	{"teams.microsoft.com", 0, "teams-office-com.s-0005.dc-msedge.net"},
	{"fonts.gstatic.com", fQUIC, ""},
	{"settings-win.data.microsoft.com", fSystem, "atm-settingsfe-prod-geo2.trafficmanager.net"},
	{"graph.microsoft.com", 0, "ags.privatelink.msidentity.com"},
	{"www.youtube.com", fQUIC, "youtube-ui.l.google.com"},
	{"i.ytimg.com", fQUIC, ""},
	{"slack.com", 0, ""},
	{"app.slack.com", 0, "app.slack.com.cdn.cloudflare.net"},
	{"edge.microsoft.com", fSystem, "edge-microsoft-com.dual-a-0036.a-msedge.net"},
	{"contoso-my.sharepoint.com", fUpload, "186941-ipv4.farm.dprodmgd105.aa-rt.sharepoint.com"},
	{"www.office.com", 0, "www.office.com.edgekey.net"},
	{"res.cdn.office.net", 0, "res-1.cdn.office.net.edgekey.net"},
	{"v10.events.data.microsoft.com", fSystem, "global.asimov.events.data.trafficmanager.net"},
	{"fonts.googleapis.com", fQUIC, ""},
	{"www.googleapis.com", fQUIC | fUpload, ""},
	{"update.googleapis.com", fSystem, ""},
	{"safebrowsing.googleapis.com", fQUIC, ""},
	{"accounts.google.com", fQUIC, ""},
	{"mail.google.com", fQUIC, ""},
	{"docs.google.com", fQUIC, ""},
	{"drive.google.com", fQUIC | fUpload, ""},
	{"github.com", 0, ""},
	{"api.github.com", 0, ""},
	{"avatars.githubusercontent.com", 0, ""},
	{"objects.githubusercontent.com", 0, ""},
	{"www.linkedin.com", 0, "www-linkedin-com.l-0005.l-msedge.net"},
	{"static.licdn.com", 0, "static-exp1.licdn.com"},
	{"www.facebook.com", fQUIC, "star-mini.c10r.facebook.com"},
	{"static.xx.fbcdn.net", fQUIC, "scontent.xx.fbcdn.net"},
	{"www.amazon.com", 0, "tp.47cf2c8c9-frontier.amazon.com"},
	{"m.media-amazon.com", 0, "m.media-amazon.com.edgekey.net"},
	{"www.bing.com", fSystem, "www-bing-com.dual-a-0001.a-msedge.net"},
	{"login.live.com", 0, "login.msa.msidentity.com"},
	{"onedrive.live.com", fUpload, "odc-web-geo.onedrive.akadns.net"},
	{"client.dropbox.com", fUpload, "client.dropbox-dns.com"},
	{"zoom.us", 0, ""},
	{"us05web.zoom.us", 0, ""},
	{"cdn.jsdelivr.net", 0, "jsdelivr.map.fastly.net"},
	{"cdnjs.cloudflare.com", 0, ""},
	{"ajax.googleapis.com", fQUIC, ""},
	{"www.googletagmanager.com", fQUIC, ""},
	{"www.google-analytics.com", fQUIC, ""},
	{"stats.g.doubleclick.net", fQUIC, "stats.l.doubleclick.net"},
	{"securepubads.g.doubleclick.net", fQUIC, "pubads.g.doubleclick.net"},
	{"connect.facebook.net", fQUIC, "scontent.xx.fbcdn.net"},
	{"en.wikipedia.org", 0, "dyna.wikimedia.org"},
	{"upload.wikimedia.org", 0, ""},
	{"www.reddit.com", 0, "reddit.map.fastly.net"},
	{"www.redditstatic.com", 0, "dualstack.reddit.map.fastly.net"},
	{"stackoverflow.com", 0, ""},
	{"cdn.sstatic.net", 0, "sstatic.map.fastly.net"},
	{"www.apple.com", 0, "www.apple.com.edgekey.net"},
	{"gateway.icloud.com", fUpload, "gateway.fe2.apple-dns.net"},
	{"www.nytimes.com", 0, "nytimes.map.fastly.net"},
	{"static01.nyt.com", 0, "static01.nyt.com.fastly.net"},
	{"www.bbc.co.uk", 0, "www.bbc.co.uk.pri.bbc.co.uk"},
	{"open.spotify.com", 0, "edge-web.dual-gslb.spotify.com"},
	{"spclient.wg.spotify.com", 0, "edge-web.dual-gslb.spotify.com"},
	{"contoso.my.salesforce.com", 0, "contoso.my.salesforce.com.sfdc-lywfpd.salesforce.com"},
	{"contoso.atlassian.net", 0, "prod-euwest-2.tenant-router.atlassian.net"},
	{"api.atlassian.com", 0, ""},
	{"s3.amazonaws.com", fUpload, "s3-1-w.amazonaws.com"},
	{"wdcp.microsoft.com", fSystem, "wdcp.microsoft.akadns.net"},
	{"smartscreen-prod.microsoft.com", fSystem, "prod-atm-wds-apprep.trafficmanager.net"},
	{"clients2.google.com", fSystem, "clients.l.google.com"},
	{"content-autofill.googleapis.com", fQUIC, ""},
	{"www.msftconnecttest.com", fPlain | fSystem, "www.msftconnecttest.com.edgesuite.net"},
	{"ocsp.digicert.com", fPlain | fSystem, "fp2e7a.wpc.phicdn.net"},
	{"ctldl.windowsupdate.com", fPlain | fSystem, "wu-b-net.trafficmanager.net"},
	{"crl3.digicert.com", fPlain | fSystem, "fp2e7a.wpc.phicdn.net"},
	{"ocsp.pki.goog", fPlain | fSystem, "pki-goog.l.google.com"},
	{"r11.o.lencr.org", fPlain | fSystem, "o.lencr.edgesuite.net"},
	{"ocsp.sectigo.com", fPlain | fSystem, "ocsp.comodoca.com.cdn.cloudflare.net"},
	{"ocsp.apple.com", fPlain | fSystem, "ocsp-a.g.aaplimg.com"},
	{"download.windowsupdate.com", fPlain | fSystem, "wu-f-net.trafficmanager.net"},
	{"tlu.dl.delivery.mp.microsoft.com", fPlain | fSystem, "tlu.dl.delivery.mp.microsoft.com-c.edgekey.net"},
	{"deb.debian.org", fPlain | fSystem, "debian.map.fastly.net"},
	{"security.ubuntu.com", fPlain | fSystem, ""},
	{"detectportal.firefox.com", fPlain | fSystem, "detectportal.prod.mozaws.net"},
	{"www.speedtest.net", fHTTP, ""},
	{"news.ycombinator.com", 0, ""},
	{"www.cnn.com", fHTTP, "cnn-tls.map.fastly.net"},
	{"weather.com", fHTTP, "weather.com.edgekey.net"},
	{"www.ebay.com", 0, "slot9428.ebay.com.edgekey.net"},
	{"www.paypal.com", 0, "www.paypal.com.akadns.net"},
	{"www.adobe.com", 0, "www.adobe.com.edgekey.net"},
	{"acrobat.adobe.com", fUpload, ""},
	{"www.canva.com", fUpload, ""},
	{"www.notion.so", 0, ""},
	{"api.notion.com", 0, ""},
	{"www.figma.com", 0, "figma.com.cdn.cloudflare.net"},
	{"discord.com", 0, ""},
	{"web.whatsapp.com", 0, "mmx-ds.cdn.whatsapp.net"},
	{"www.dropbox.com", 0, "www-env.dropbox-dns.com"},
	{"content.dropboxapi.com", fUpload, "edge-block-www-env.dropbox-dns.com"},
	{"www.wikipedia.org", 0, "dyna.wikimedia.org"},
	{"www.instagram.com", fQUIC, "z-p42-instagram.c10r.instagram.com"},
	{"x.com", 0, ""},
	{"abs.twimg.com", 0, "cs196.wac.edgecastcdn.net"},
	{"www.netflix.com", 0, "www.dradis.netflix.com"},
	{"assets.nflxext.com", 0, "assets.nflxext.com.edgesuite.net"},
	{"www.zendesk.com", 0, ""},
	{"contoso.zendesk.com", 0, "contoso.zendesk.com.cdn.cloudflare.net"},
}

// ntpServers are the time servers clients ask.
var ntpServers = []string{"time.windows.com", "0.pool.ntp.org", "1.pool.ntp.org", "2.debian.pool.ntp.org", "time.apple.com", "time.google.com"}

// mxHosts are the mail exchangers the relay delivers to.
var mxHosts = []string{
	"contoso-com.mail.protection.outlook.com", "aspmx.l.google.com", "alt1.aspmx.l.google.com",
	"mx1.hc2441-91.iphmx.com", "mx-01.eu.mimecast.com", "mxa-00181b01.gslb.pphosted.com",
	"mx1.mailgun.org", "feedback-smtp.us-east-1.amazonses.com", "mx.zoho.eu", "mx00.ionos.com",
	"mta7.am0.yahoodns.net", "mx1.fastmail.com",
}

// words make up the names of the long tail.
var words = []string{
	"alpine", "amber", "anchor", "apex", "arbor", "atlas", "aurora", "beacon", "birch", "bloom",
	"bolt", "bright", "brook", "canyon", "cargo", "cedar", "cinder", "civic", "clover", "coast",
	"comet", "copper", "coral", "crest", "crystal", "delta", "drift", "ember", "falcon", "fern",
	"fjord", "flint", "forge", "galaxy", "garnet", "glacier", "granite", "harbor", "hazel", "horizon",
	"indigo", "iris", "jade", "juniper", "kestrel", "lagoon", "lantern", "lark", "lumen", "maple",
	"marble", "meadow", "mesa", "metro", "mint", "nebula", "north", "oak", "onyx", "orbit",
	"pebble", "pine", "pixel", "plaza", "prairie", "quartz", "quill", "raven", "reef", "ridge",
	"river", "rocket", "sage", "sierra", "signal", "silver", "slate", "solar", "sparrow", "spruce",
	"summit", "swift", "tango", "terra", "thistle", "timber", "topaz", "trail", "tundra", "vale",
	"vector", "velvet", "vista", "willow", "winter", "zenith", "bistro", "garden", "market", "studio",
}

var tlds = []string{"com", "com", "com", "com", "net", "org", "io", "co", "de", "co.uk", "fr", "nl", "app", "dev"}

var hostPrefixes = []string{"www", "www", "www", "cdn", "static", "api", "img", "assets", "app", "media", "shop", "news"}

// User agents by operating system.
const (
	osWindows = iota
	osMac
	osLinux
)

var browserUAs = [3][]string{
	osWindows: {
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
	},
	osMac: {
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.3; rv:123.0) Gecko/20100101 Firefox/123.0",
	},
	osLinux: {
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
	},
}

// systemUA is the user agent the operating system sends to a plain-HTTP system host.
func systemUA(os int, host string) string {
	switch host {
	case "www.msftconnecttest.com":
		return "Microsoft NCSI"
	case "ctldl.windowsupdate.com":
		return "Microsoft-CryptoAPI/10.0"
	case "download.windowsupdate.com", "tlu.dl.delivery.mp.microsoft.com":
		return "Microsoft-Delivery-Optimization/10.0"
	case "deb.debian.org", "security.ubuntu.com":
		return "Debian APT-HTTP/1.3 (2.6.1)"
	case "detectportal.firefox.com":
		return "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
	}
	switch os {
	case osMac:
		return "com.apple.trustd/3.0"
	case osLinux:
		return "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	}
	return "Microsoft-CryptoAPI/10.0"
}

// Page parts of the made-up URIs.
var uriWords = []string{"news", "about", "products", "search", "account", "help", "blog", "docs", "pricing", "careers", "login", "cart", "support", "events", "team"}

var assetExt = []struct {
	ext, mime string
}{
	{".js", "text/plain"}, {".css", "text/plain"}, {".png", "image/png"}, {".jpg", "image/jpeg"},
	{".gif", "image/gif"}, {".svg", "image/svg+xml"}, {".woff2", "application/font-woff2"}, {".json", "text/json"},
}

var tls13Ciphers = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
var tls12Ciphers = []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}
