/* prelude.py.h - the helper functions espburn defines on the board once per
 * session (MicroPython 1.9 and newer). _eb_rx takes file data as raw
 * bytes from stdin (Ctrl-C disabled meanwhile): each block follows a 0x01
 * (anything else, such as the '\r' of a new session after a pulled cable,
 * ends it), one 'A' per block read; a full filesystem still reads all the
 * data, so that none is left to land at the REPL prompt. Where b2a_base64 is written in
 * Python (slow, as in the WebAssembly build), files are read back as hex. Names and paths reach them only as
 * quoted literals; names come back hex-encoded, one entry per line. */
/* One line of Python per line of C reads better unindented. */
/* clang-format off */
static const char MPY_PRELUDE[] =
"import os,sys\n"
"try:\n import binascii as _eb_b\n"
"except ImportError:\n import ubinascii as _eb_b\n"
"try:\n import hashlib as _eb_h\n _eb_h.sha256\n"
"except Exception:\n _eb_h=None\n"
"try:\n import deflate as _eb_d,io as _eb_io\n _eb_d.DeflateIO\n"
"except Exception:\n _eb_d=None\n"
"_eb_f=None\n"
"_eb_hx=' at ' in repr(_eb_b.b2a_base64)\n"
"def _eb_x(s):\n return _eb_b.hexlify(s.encode()).decode()\n"
"def _eb_st(p):\n"
" try:\n  s=os.stat(p)\n except OSError:\n  return None\n"
" return ('d' if s[0]&0x4000 else 'f',s[6])\n"
"def _eb_j(p,n):\n return n if p in ('','.') else p.rstrip('/')+'/'+n\n"
"def _eb_ls(p,r):\n"
" t=_eb_st(p)\n"
" if t is None:\n  raise OSError(2)\n"
" if t[0]=='f':\n  print(_eb_x(p),t[0],t[1])\n  return\n"
" for n in sorted(os.listdir(p)):\n"
"  q=_eb_j(p,n)\n  t=_eb_st(q)\n"
"  if t:\n   print(_eb_x(q),t[0],t[1])\n   if r and t[0]=='d':\n    _eb_ls(q,r)\n"
"def _eb_sha(p):\n"
" h=_eb_h.sha256()\n b=bytearray(1024)\n"
" with open(p,'rb') as f:\n"
"  while True:\n   n=f.readinto(b)\n   if not n:\n    break\n"
"   h.update(b if n==1024 else b[:n])\n"
" return _eb_b.hexlify(h.digest()).decode()\n"
"def _eb_hash(ps):\n"
" for p in ps:\n  t=_eb_st(p)\n"
"  if t and t[0]=='f':\n   print(_eb_x(p),'f',t[1],_eb_sha(p) if _eb_h else '-')\n"
"  else:\n   print(_eb_x(p),t[0] if t else '-',-1,'-')\n"
"def _eb_fix(p,t,k):\n"
" if _eb_st(t):\n  os.remove(t)\n"
" if _eb_st(k):\n  if _eb_st(p):\n   os.remove(k)\n  else:\n   os.rename(k,p)\n"
"def _eb_open(p,t,k):\n global _eb_f\n _eb_fix(p,t,k)\n _eb_f=open(t,'wb')\n"
"def _eb_rx(n,k):\n"
" import micropython\n"
" r=sys.stdin.buffer\n v=memoryview(bytearray(k))\n e=None\n"
" micropython.kbd_intr(-1)\n"
" try:\n"
"  sys.stdout.write('R')\n"
"  while n>0:\n"
"   if r.read(1)!=b'\\x01':\n    raise OSError(5)\n"
"   m=min(n,k)\n   g=0\n"
"   while g<m:\n    x=r.readinto(v[g:m])\n    if not x:\n     raise OSError(5)\n    g+=x\n"
"   if e is None:\n    try:\n     _eb_f.write(v[:m])\n    except OSError as x:\n     e=x\n"
"   n-=m\n"
"   sys.stdout.write('A')\n"
" finally:\n  micropython.kbd_intr(3)\n"
" if e:\n  raise e\n"
"def _eb_rxp():\n"
" sys.stdout.write('R')\n d=sys.stdin.buffer.read(3)\n sys.stdout.write('A')\n"
" print(_eb_b.hexlify(d).decode())\n"
"def _eb_w(s):\n _eb_f.write(_eb_b.a2b_base64(s))\n"
"def _eb_z(s):\n _eb_f.write(_eb_d.DeflateIO(_eb_io.BytesIO(_eb_b.a2b_base64(s)),_eb_d.ZLIB).read())\n"
"def _eb_abort(t):\n global _eb_f\n"
" if _eb_f:\n  _eb_f.close()\n  _eb_f=None\n"
" if _eb_st(t):\n  os.remove(t)\n"
"def _eb_done(p,t,k,n,h):\n global _eb_f\n _eb_f.close()\n _eb_f=None\n s=_eb_st(t)\n"
" if s is None or s[1]!=n or (_eb_h and _eb_sha(t)!=h):\n"
"  os.remove(t)\n  raise OSError('verify failed: the board stored other bytes than were sent')\n"
" _eb_commit(p,t,k)\n"
"def _eb_commit(p,t,k):\n"
" if _eb_st(p):\n"
"  try:\n   os.rename(t,p)\n   print('put')\n   return\n  except OSError:\n   pass\n"
"  os.rename(p,k)\n  os.rename(t,p)\n  os.remove(k)\n"
" else:\n  os.rename(t,p)\n"
" print('put')\n"
"def _eb_cp(a,p,t,k):\n"
" _eb_fix(p,t,k)\n b=bytearray(1024)\n"
" with open(a,'rb') as f,open(t,'wb') as g:\n"
"  while True:\n   n=f.readinto(b)\n   if not n:\n    break\n   g.write(b if n==1024 else b[:n])\n"
" _eb_commit(p,t,k)\n"
"def _eb_get(p):\n"
" print('hex' if _eb_hx else 'b64')\n"
" with open(p,'rb') as f:\n"
"  while True:\n   b=f.read(3072)\n   if not b:\n    break\n"
"   print((_eb_b.hexlify(b) if _eb_hx else _eb_b.b2a_base64(b).strip()).decode())\n"
" _eb_hash([p])\n"
"def _eb_rm(p,r):\n t=_eb_st(p)\n"
" if t is None:\n  raise OSError(2)\n"
" if t[0]=='d':\n"
"  if r:\n   for n in os.listdir(p):\n    _eb_rm(_eb_j(p,n),1)\n"
"  os.rmdir(p)\n"
" else:\n  os.remove(p)\n"
"def _eb_df(p):\n s=os.statvfs(p)\n print(s[0]*s[2],s[0]*s[3])\n"
"def _eb_info():\n"
" print(_eb_x(os.getcwd()),1 if _eb_h else 0,1 if _eb_d else 0,1 if 'flash' in os.listdir('/') else 0)\n";

/* Asks whether this version of the helpers is still defined (they survive
 * between sessions until a soft reset): prints the info line, or '-' and
 * 'z' when the board can inflate. */
static const char MPY_PRELUDE_PROBE[] =
"try:\n if _eb_V==%s:\n  _eb_info()\n else:\n  raise NameError\n"
"except NameError:\n"
" try:\n  import deflate\n  print('- z')\n except ImportError:\n  print('-')\n";

/* Defines the helpers from a zlib stream (base64 follows), on boards with
 * deflate: the helpers travel in half the bytes. */
static const char MPY_PRELUDE_ZIPPED[] =
"import deflate,io,binascii\n"
"exec(deflate.DeflateIO(io.BytesIO(binascii.a2b_base64(b'%s')),deflate.ZLIB).read().decode())\n";
/* clang-format on */
