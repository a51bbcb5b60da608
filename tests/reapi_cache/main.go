// Command reapi_cache is a small Remote Execution API (v2) cache server for tests.
//
// It implements the parts of REAPI that a remote-cache client (such as Pants)
// uses: Capabilities, ActionCache, ContentAddressableStorage and ByteStream,
// over plaintext gRPC. Blobs live on disk, addressed by their SHA-256; every
// write is verified against its digest. There is no eviction and no auth.
//
// Usage: reapi_cache -addr 127.0.0.1:0 -dir /tmp/cache [-v] [-stats FILE]
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	repb "github.com/bazelbuild/remote-apis/build/bazel/remote/execution/v2"
	"github.com/bazelbuild/remote-apis/build/bazel/semver"
	bspb "google.golang.org/genproto/googleapis/bytestream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

const (
	maxBatchBytes = 4 << 20 // advertised max_batch_total_size_bytes
	readChunk     = 1 << 20 // ByteStream.Read response chunk size
	maxMsgBytes   = 64 << 20
)

// emptyHash is the SHA-256 of the empty blob, which is always present.
var emptyHash = hex.EncodeToString(sha256.New().Sum(nil))

// stats are the counters written to the -stats file.
type stats struct {
	ACHits, ACMisses, ACUpdates atomic.Int64
	BlobsWritten, BytesWritten  atomic.Int64
	BlobsRead, BlobsReadMissing atomic.Int64
}

func (s *stats) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int64{
		"ac_hits": s.ACHits.Load(), "ac_misses": s.ACMisses.Load(), "ac_updates": s.ACUpdates.Load(),
		"blobs_written": s.BlobsWritten.Load(), "bytes_written": s.BytesWritten.Load(),
		"blobs_read": s.BlobsRead.Load(), "blobs_read_missing": s.BlobsReadMissing.Load(),
	})
}

// server implements all four services on one on-disk store rooted at dir:
// dir/cas/<hh>/<hash> holds blobs, dir/ac/i-<instance>/<hash> serialized ActionResults.
type server struct {
	repb.UnimplementedCapabilitiesServer
	repb.UnimplementedActionCacheServer
	repb.UnimplementedContentAddressableStorageServer
	bspb.UnimplementedByteStreamServer
	dir   string
	stats stats
}

// checkDigest validates the form of a digest (the content is checked on write).
func checkDigest(d *repb.Digest) error {
	if d == nil {
		return status.Error(codes.InvalidArgument, "missing digest")
	}
	if b, err := hex.DecodeString(d.Hash); err != nil || len(b) != sha256.Size || d.Hash != strings.ToLower(d.Hash) {
		return status.Errorf(codes.InvalidArgument, "invalid SHA-256 hash %q", d.Hash)
	}
	if d.SizeBytes < 0 {
		return status.Errorf(codes.InvalidArgument, "negative size %d", d.SizeBytes)
	}
	return nil
}

func checkFunc(f repb.DigestFunction_Value) error {
	if f != repb.DigestFunction_UNKNOWN && f != repb.DigestFunction_SHA256 {
		return status.Errorf(codes.InvalidArgument, "unsupported digest function %v", f)
	}
	return nil
}

func (s *server) casPath(hash string) string { return filepath.Join(s.dir, "cas", hash[:2], hash) }

func (s *server) acPath(instance, hash string) string {
	return filepath.Join(s.dir, "ac", "i-"+url.PathEscape(instance), hash)
}

// has reports whether the blob is stored (with the right size).
func (s *server) has(d *repb.Digest) bool {
	if d.Hash == emptyHash && d.SizeBytes == 0 {
		return true
	}
	fi, err := os.Stat(s.casPath(d.Hash))
	return err == nil && fi.Size() == d.SizeBytes
}

// readBlob returns a stored blob, or NOT_FOUND.
func (s *server) readBlob(d *repb.Digest) ([]byte, error) {
	if !s.has(d) {
		s.stats.BlobsReadMissing.Add(1)
		return nil, status.Errorf(codes.NotFound, "blob %s/%d not found", d.Hash, d.SizeBytes)
	}
	s.stats.BlobsRead.Add(1)
	if d.SizeBytes == 0 {
		return nil, nil
	}
	data, err := os.ReadFile(s.casPath(d.Hash))
	if err != nil {
		return nil, status.Errorf(codes.Internal, "reading blob: %v", err)
	}
	return data, nil
}

// writeFile atomically replaces path with data via a temporary file and a rename.
func (s *server) writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "w-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeBlob stores data under d after verifying that it matches d.
func (s *server) writeBlob(d *repb.Digest, data []byte) error {
	if err := checkDigest(d); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != d.Hash || int64(len(data)) != d.SizeBytes {
		return status.Errorf(codes.InvalidArgument, "digest mismatch: got %s/%d, want %s/%d", got, len(data), d.Hash, d.SizeBytes)
	}
	if s.has(d) {
		return nil
	}
	if err := s.writeFile(s.casPath(d.Hash), data); err != nil {
		return status.Errorf(codes.Internal, "storing blob: %v", err)
	}
	s.stats.BlobsWritten.Add(1)
	s.stats.BytesWritten.Add(d.SizeBytes)
	return nil
}

// --- Capabilities ---

func (s *server) GetCapabilities(context.Context, *repb.GetCapabilitiesRequest) (*repb.ServerCapabilities, error) {
	return &repb.ServerCapabilities{
		CacheCapabilities: &repb.CacheCapabilities{
			DigestFunctions:               []repb.DigestFunction_Value{repb.DigestFunction_SHA256},
			ActionCacheUpdateCapabilities: &repb.ActionCacheUpdateCapabilities{UpdateEnabled: true},
			MaxBatchTotalSizeBytes:        maxBatchBytes,
			SymlinkAbsolutePathStrategy:   repb.SymlinkAbsolutePathStrategy_ALLOWED,
		},
		LowApiVersion:  &semver.SemVer{Major: 2},
		HighApiVersion: &semver.SemVer{Major: 2, Minor: 3},
	}, nil
}

// --- ActionCache ---

// GetActionResult returns a stored result, or NOT_FOUND when it is missing or
// when any output blob it refers to is missing from the CAS.
func (s *server) GetActionResult(_ context.Context, req *repb.GetActionResultRequest) (*repb.ActionResult, error) {
	if err := errors.Join(checkFunc(req.DigestFunction), checkDigest(req.ActionDigest)); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.acPath(req.InstanceName, req.ActionDigest.Hash))
	if errors.Is(err, fs.ErrNotExist) {
		s.stats.ACMisses.Add(1)
		return nil, status.Error(codes.NotFound, "action result not found")
	} else if err != nil {
		return nil, status.Errorf(codes.Internal, "reading action result: %v", err)
	}
	res := &repb.ActionResult{}
	if err := proto.Unmarshal(data, res); err != nil {
		return nil, status.Errorf(codes.Internal, "corrupt action result: %v", err)
	}
	refs := []*repb.Digest{res.StdoutDigest, res.StderrDigest}
	for _, f := range res.OutputFiles {
		refs = append(refs, f.Digest)
	}
	for _, d := range res.OutputDirectories {
		refs = append(refs, d.TreeDigest)
	}
	for _, d := range refs {
		if d != nil && (checkDigest(d) != nil || !s.has(d)) {
			s.stats.ACMisses.Add(1)
			return nil, status.Errorf(codes.NotFound, "action result refers to missing blob %s", d.Hash)
		}
	}
	s.stats.ACHits.Add(1)
	return res, nil
}

func (s *server) UpdateActionResult(_ context.Context, req *repb.UpdateActionResultRequest) (*repb.ActionResult, error) {
	if err := errors.Join(checkFunc(req.DigestFunction), checkDigest(req.ActionDigest)); err != nil {
		return nil, err
	}
	if req.ActionResult == nil {
		return nil, status.Error(codes.InvalidArgument, "missing action_result")
	}
	data, err := proto.Marshal(req.ActionResult)
	if err == nil {
		err = s.writeFile(s.acPath(req.InstanceName, req.ActionDigest.Hash), data)
	}
	if err != nil {
		return nil, status.Errorf(codes.Internal, "storing action result: %v", err)
	}
	s.stats.ACUpdates.Add(1)
	return req.ActionResult, nil
}

// --- ContentAddressableStorage ---

func (s *server) FindMissingBlobs(_ context.Context, req *repb.FindMissingBlobsRequest) (*repb.FindMissingBlobsResponse, error) {
	if err := checkFunc(req.DigestFunction); err != nil {
		return nil, err
	}
	resp := &repb.FindMissingBlobsResponse{}
	for _, d := range req.BlobDigests {
		if err := checkDigest(d); err != nil {
			return nil, err
		}
		if !s.has(d) {
			resp.MissingBlobDigests = append(resp.MissingBlobDigests, d)
		}
	}
	return resp, nil
}

func (s *server) BatchUpdateBlobs(_ context.Context, req *repb.BatchUpdateBlobsRequest) (*repb.BatchUpdateBlobsResponse, error) {
	if err := checkFunc(req.DigestFunction); err != nil {
		return nil, err
	}
	resp := &repb.BatchUpdateBlobsResponse{}
	for _, r := range req.Requests {
		var err error
		if r.Compressor != repb.Compressor_IDENTITY {
			err = status.Errorf(codes.InvalidArgument, "unsupported compressor %v", r.Compressor)
		} else {
			err = s.writeBlob(r.Digest, r.Data)
		}
		resp.Responses = append(resp.Responses, &repb.BatchUpdateBlobsResponse_Response{
			Digest: r.Digest, Status: status.Convert(err).Proto()})
	}
	return resp, nil
}

func (s *server) BatchReadBlobs(_ context.Context, req *repb.BatchReadBlobsRequest) (*repb.BatchReadBlobsResponse, error) {
	if err := checkFunc(req.DigestFunction); err != nil {
		return nil, err
	}
	resp := &repb.BatchReadBlobsResponse{}
	for _, d := range req.Digests {
		err := checkDigest(d)
		var data []byte
		if err == nil {
			data, err = s.readBlob(d)
		}
		resp.Responses = append(resp.Responses, &repb.BatchReadBlobsResponse_Response{
			Digest: d, Data: data, Status: status.Convert(err).Proto()})
	}
	return resp, nil
}

// --- ByteStream ---

// parseResource extracts the digest from "[{instance}/]blobs/{hash}/{size}[/...]"
// (reads) or "[{instance}/]uploads/{uuid}/blobs/{hash}/{size}[/...]" (writes).
func parseResource(name string, upload bool) (*repb.Digest, error) {
	parts := strings.Split(name, "/")
	for i := range parts {
		if parts[i] != "blobs" || i+2 >= len(parts) {
			continue
		}
		if upload && (i < 2 || parts[i-2] != "uploads") {
			continue
		}
		size, err := strconv.ParseInt(parts[i+2], 10, 64)
		if err != nil {
			break
		}
		d := &repb.Digest{Hash: parts[i+1], SizeBytes: size}
		return d, checkDigest(d)
	}
	return nil, status.Errorf(codes.InvalidArgument, "unsupported resource name %q", name)
}

func (s *server) Read(req *bspb.ReadRequest, stream bspb.ByteStream_ReadServer) error {
	d, err := parseResource(req.ResourceName, false)
	if err != nil {
		return err
	}
	if req.ReadOffset < 0 || req.ReadOffset > d.SizeBytes || req.ReadLimit < 0 {
		return status.Errorf(codes.OutOfRange, "bad read_offset %d / read_limit %d", req.ReadOffset, req.ReadLimit)
	}
	data, err := s.readBlob(d)
	if err != nil {
		return err
	}
	data = data[req.ReadOffset:]
	if req.ReadLimit > 0 && req.ReadLimit < int64(len(data)) {
		data = data[:req.ReadLimit]
	}
	for len(data) > 0 {
		n := min(len(data), readChunk)
		if err := stream.Send(&bspb.ReadResponse{Data: data[:n]}); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// Write buffers a streamed upload in memory (test blobs are small), then
// verifies and stores it once finish_write arrives.
func (s *server) Write(stream bspb.ByteStream_WriteServer) error {
	var d *repb.Digest
	var buf []byte
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return status.Error(codes.InvalidArgument, "stream closed before finish_write")
		} else if err != nil {
			return err
		}
		if d == nil {
			if d, err = parseResource(req.ResourceName, true); err != nil {
				return err
			}
		}
		if req.WriteOffset != int64(len(buf)) {
			return status.Errorf(codes.InvalidArgument, "write_offset %d, expected %d", req.WriteOffset, len(buf))
		}
		if buf = append(buf, req.Data...); int64(len(buf)) > d.SizeBytes {
			return status.Errorf(codes.InvalidArgument, "upload exceeds declared size %d", d.SizeBytes)
		}
		if req.FinishWrite {
			break
		}
	}
	if err := s.writeBlob(d, buf); err != nil {
		return err
	}
	return stream.SendAndClose(&bspb.WriteResponse{CommittedSize: d.SizeBytes})
}

// QueryWriteStatus reports an upload as complete iff its blob is stored;
// partial uploads are never resumable.
func (s *server) QueryWriteStatus(_ context.Context, req *bspb.QueryWriteStatusRequest) (*bspb.QueryWriteStatusResponse, error) {
	d, err := parseResource(req.ResourceName, true)
	if err != nil {
		return nil, err
	}
	if s.has(d) {
		return &bspb.QueryWriteStatusResponse{CommittedSize: d.SizeBytes, Complete: true}, nil
	}
	return &bspb.QueryWriteStatusResponse{}, nil
}

// --- main ---

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on (plaintext gRPC)")
	dir := flag.String("dir", "", "directory for the blob store (required)")
	verbose := flag.Bool("v", false, "log one line per request to stderr")
	statsFile := flag.String("stats", "", "write counters as JSON to this file on SIGTERM/SIGINT")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if *dir == "" {
		log.Fatal("-dir is required")
	}
	if err := os.MkdirAll(filepath.Join(*dir, "tmp"), 0o755); err != nil {
		log.Fatal(err)
	}
	s := &server{dir: *dir}

	opts := []grpc.ServerOption{grpc.MaxRecvMsgSize(maxMsgBytes), grpc.MaxSendMsgSize(maxMsgBytes)}
	if *verbose {
		logCall := func(method string, start time.Time, err error) {
			log.Printf("%s %v %s", method, status.Code(err), time.Since(start).Round(time.Microsecond))
		}
		opts = append(opts,
			grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				start := time.Now()
				resp, err := h(ctx, req)
				logCall(info.FullMethod, start, err)
				return resp, err
			}),
			grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
				start := time.Now()
				err := h(srv, ss)
				logCall(info.FullMethod, start, err)
				return err
			}))
	}
	gs := grpc.NewServer(opts...)
	repb.RegisterCapabilitiesServer(gs, s)
	repb.RegisterActionCacheServer(gs, s)
	repb.RegisterContentAddressableStorageServer(gs, s)
	bspb.RegisterByteStreamServer(gs, s)

	// Handle signals before announcing readiness, so that a test which sends
	// SIGTERM as soon as it reads "listening on" always gets the stats file.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", lis.Addr())
	os.Stdout.Sync()

	// On SIGTERM/SIGINT: drain in-flight calls (at most 5s), then write the stats.
	stopped := make(chan struct{})
	go func() {
		<-sigs
		t := time.AfterFunc(5*time.Second, gs.Stop)
		gs.GracefulStop()
		t.Stop()
		if *statsFile != "" {
			data, _ := json.Marshal(&s.stats)
			if err := os.WriteFile(*statsFile, append(data, '\n'), 0o644); err != nil {
				log.Print(err)
			}
		}
		close(stopped)
	}()
	if err := gs.Serve(lis); err != nil {
		log.Fatal(err)
	}
	<-stopped
}
