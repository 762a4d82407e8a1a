package fs

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The whole FUSE surface of the mount, at one glance.

// The root, a domain and its "users" directory: fixed levels.
var (
	_ gofs.InodeEmbedder = (*rootNode)(nil)
	_ gofs.NodeGetattrer = (*rootNode)(nil)
	_ gofs.NodeSetattrer = (*rootNode)(nil)
	_ gofs.NodeLookuper  = (*rootNode)(nil)
	_ gofs.NodeReaddirer = (*rootNode)(nil)
	_ gofs.NodeAccesser  = (*rootNode)(nil)
	_ gofs.NodeStatfser  = (*rootNode)(nil)

	_ gofs.InodeEmbedder = (*domainNode)(nil)
	_ gofs.NodeGetattrer = (*domainNode)(nil)
	_ gofs.NodeSetattrer = (*domainNode)(nil)
	_ gofs.NodeLookuper  = (*domainNode)(nil)
	_ gofs.NodeReaddirer = (*domainNode)(nil)
	_ gofs.NodeAccesser  = (*domainNode)(nil)
	_ gofs.NodeStatfser  = (*domainNode)(nil)

	_ gofs.InodeEmbedder = (*usersNode)(nil)
	_ gofs.NodeGetattrer = (*usersNode)(nil)
	_ gofs.NodeSetattrer = (*usersNode)(nil)
	_ gofs.NodeLookuper  = (*usersNode)(nil)
	_ gofs.NodeReaddirer = (*usersNode)(nil)
	_ gofs.NodeAccesser  = (*usersNode)(nil)
	_ gofs.NodeStatfser  = (*usersNode)(nil)
)

// What the fixed levels refuse (EPERM).
var (
	_ gofs.NodeMkdirer    = fixedDir{}
	_ gofs.NodeRmdirer    = fixedDir{}
	_ gofs.NodeUnlinker   = fixedDir{}
	_ gofs.NodeRenamer    = fixedDir{}
	_ gofs.NodeCreater    = fixedDir{}
	_ gofs.NodeLinker     = fixedDir{}
	_ gofs.NodeSymlinker  = fixedDir{}
	_ gofs.NodeMknoder    = fixedDir{}
	_ gofs.NodeGetxattrer = fixedDir{}
)

// A user's tree, the shared tree and a mailbox: directories of mailboxes.
var (
	_ gofs.InodeEmbedder      = (*userNode)(nil)
	_ gofs.NodeGetattrer      = (*userNode)(nil)
	_ gofs.NodeSetattrer      = (*userNode)(nil)
	_ gofs.NodeAccesser       = (*userNode)(nil)
	_ gofs.NodeStatfser       = (*userNode)(nil)
	_ gofs.NodeGetxattrer     = (*userNode)(nil)
	_ gofs.NodeListxattrer    = (*userNode)(nil)
	_ gofs.InodeEmbedder      = (*sharedNode)(nil)
	_ gofs.NodeGetattrer      = (*sharedNode)(nil)
	_ gofs.NodeSetattrer      = (*sharedNode)(nil)
	_ gofs.NodeAccesser       = (*sharedNode)(nil)
	_ gofs.NodeStatfser       = (*sharedNode)(nil)
	_ gofs.InodeEmbedder      = (*mailboxNode)(nil)
	_ gofs.NodeGetattrer      = (*mailboxNode)(nil)
	_ gofs.NodeSetattrer      = (*mailboxNode)(nil)
	_ gofs.NodeAccesser       = (*mailboxNode)(nil)
	_ gofs.NodeStatfser       = (*mailboxNode)(nil)
	_ gofs.NodeGetxattrer     = (*mailboxNode)(nil)
	_ gofs.NodeSetxattrer     = (*mailboxNode)(nil)
	_ gofs.NodeRemovexattrer  = (*mailboxNode)(nil)
	_ gofs.NodeListxattrer    = (*mailboxNode)(nil)
	_ gofs.NodeLookuper       = (*treeNode)(nil)
	_ gofs.NodeOpendirHandler = (*treeNode)(nil)
	_ gofs.NodeMkdirer        = (*treeNode)(nil)
	_ gofs.NodeRmdirer        = (*treeNode)(nil)
	_ gofs.NodeRenamer        = (*treeNode)(nil)
	_ gofs.NodeCreater        = (*treeNode)(nil)
	_ gofs.NodeUnlinker       = (*treeNode)(nil)
	_ gofs.NodeLinker         = (*treeNode)(nil)
	_ gofs.NodeSymlinker      = (*treeNode)(nil)
	_ gofs.NodeMknoder        = (*treeNode)(nil)
	_ gofs.NodeGetxattrer     = (*treeNode)(nil)
	_ treeDir                 = (*userNode)(nil)
	_ treeDir                 = (*sharedNode)(nil)
	_ treeDir                 = (*mailboxNode)(nil)
)

// A listing of a mailbox directory.
var (
	_ gofs.FileReaddirenter = (*dirStream)(nil)
	_ gofs.FileLookuper     = (*dirStream)(nil)
	_ gofs.FileSeekdirer    = (*dirStream)(nil)
	_ gofs.FileReleasedirer = (*dirStream)(nil)
)

// A message, an open message, and a file being written.
var (
	_ gofs.InodeEmbedder     = (*messageNode)(nil)
	_ gofs.NodeGetattrer     = (*messageNode)(nil)
	_ gofs.NodeSetattrer     = (*messageNode)(nil)
	_ gofs.NodeAccesser      = (*messageNode)(nil)
	_ gofs.NodeStatfser      = (*messageNode)(nil)
	_ gofs.NodeOpener        = (*messageNode)(nil)
	_ gofs.NodeReader        = (*messageNode)(nil)
	_ gofs.NodeOnForgetter   = (*messageNode)(nil)
	_ gofs.NodeGetxattrer    = (*messageNode)(nil)
	_ gofs.NodeSetxattrer    = (*messageNode)(nil)
	_ gofs.NodeRemovexattrer = (*messageNode)(nil)
	_ gofs.NodeListxattrer   = (*messageNode)(nil)

	_ gofs.FileReader          = (*messageHandle)(nil)
	_ gofs.FileReleaser        = (*messageHandle)(nil)
	_ gofs.FilePassthroughFder = (*messageHandle)(nil)

	_ gofs.FileWriter   = (*uploadHandle)(nil)
	_ gofs.FileReader   = (*uploadHandle)(nil)
	_ gofs.FileFlusher  = (*uploadHandle)(nil)
	_ gofs.FileFsyncer  = (*uploadHandle)(nil)
	_ gofs.FileReleaser = (*uploadHandle)(nil)
)
