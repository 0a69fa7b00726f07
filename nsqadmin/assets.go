package nsqadmin

import (
	"embed"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// assets is the web UI: index.html (an html/template rendered for every UI
// route) and the files served under /static/ and /fonts/.
//
//go:embed static
var assets embed.FS

// fallbackTypes are the content types of asset extensions the OS mime
// table may not know.
var fallbackTypes = map[string]string{
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".woff":  "application/font-woff",
	".ttf":   "application/font-sfnt",
	".eot":   "application/vnd.ms-fontobject",
	".woff2": "application/font-woff2",
}

var errAssetNotFound = httpapi.Err{Code: 404, Text: "NOT_FOUND"}

// assetFS is where /static/ and /fonts/ files come from: the embedded copy
// or --dev-static-dir.
func (n *NSQAdmin) assetFS() fs.FS {
	if dir := n.getOpts().DevStaticDir; dir != "" {
		return os.DirFS(dir)
	}
	sub, _ := fs.Sub(assets, "static")
	return sub
}

// doStatic serves one asset; anything missing, a directory, or a path
// escaping the asset tree is a plain-text 404 NOT_FOUND.
func (s *httpServer) doStatic(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	name := strings.TrimPrefix(ps.ByName("asset"), "/")
	if name == "" || !fs.ValidPath(name) {
		return nil, errAssetNotFound
	}
	data, err := fs.ReadFile(s.n.assetFS(), name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.n.logf(lg.WARN, "failed to read asset %s - %s", name, err)
		}
		return nil, errAssetNotFound
	}
	w.Header().Set("Content-Type", assetType(name))
	return data, nil
}

// assetType is the content type of an asset by its extension.
func assetType(name string) string {
	ext := path.Ext(name)
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	if t, ok := fallbackTypes[ext]; ok {
		return t
	}
	return "application/octet-stream"
}
