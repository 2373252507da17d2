/* mount_vfs.py.h - the code `espburn mount` sends to the board before the
 * program: a VFS class whose every operation is a request to the host over
 * the REPL's own stdin/stdout (docs/mount.md), mounted at /remote, which
 * becomes the working folder and the first entry of sys.path. Reads are
 * fetched in blocks of up to 2 KB and served from a buffer (MicroPython's
 * import reads a few bytes at a time); writes are buffered up to 512 bytes. */
#ifndef ESPBURN_MPY_MOUNT_VFS_PY_H
#define ESPBURN_MPY_MOUNT_VFS_PY_H

/* One line of Python per line of C reads better unindented. */
/* clang-format off */
static const char MPY_MOUNT_VFS[] =
"import os,sys,micropython\n"
"try:\n from io import IOBase as _EbB\n"
"except ImportError:\n _EbB=object\n"
"class _EbC:\n"
" def __init__(s):\n  s.i=sys.stdin.buffer\n  s.o=sys.stdout.buffer\n"
" def rx(s,n):\n  b=bytearray(n)\n  m=memoryview(b)\n  p=0\n"
"  while p<n:\n   k=s.i.readinto(m[p:])\n   if not k:\n    raise OSError(5)\n   p+=k\n"
"  return b\n"
" def rq(s,op,a=b''):\n"
"  micropython.kbd_intr(-1)\n"
"  try:\n"
"   s.o.write(b'\\x18'+op+bytes(a).replace(b'\\x1b',b'\\x1b\\x1b').replace(b'\\r',b'\\x1br').replace(b'\\n',b'\\x1bn')+b'\\n')\n"
"   if s.rx(1)[0]!=0x18:\n    raise KeyboardInterrupt\n"
"   h=s.rx(5)\n   n=int.from_bytes(h[1:],'little')\n   d=bytearray()\n"
"   while len(d)<n:\n    d+=s.rx(min(n-len(d),120))\n    s.o.write(b'\\x06')\n"
"  finally:\n   micropython.kbd_intr(3)\n"
"  if h[0]:\n   raise OSError(h[0])\n"
"  return d\n"
"def _ebn(x):\n return x.to_bytes(2,'little')\n"
"class _EbF(_EbB):\n"
" def __init__(s,c,f,w,t):\n  s.c=c\n  s.f=_ebn(f)\n  s.w=w\n  s.t=t\n  s.b=bytearray()\n  s.p=0\n"
" def readinto(s,buf):\n  m=memoryview(buf)\n  g=0\n"
"  while g<len(m):\n"
"   if s.p>=len(s.b):\n"
"    s.b=s.c.rq(b'R',s.f+max(len(m)-g,2048).to_bytes(4,'little'))\n    s.p=0\n"
"    if not s.b:\n     break\n"
"   k=min(len(m)-g,len(s.b)-s.p)\n   m[g:g+k]=s.b[s.p:s.p+k]\n   s.p+=k\n   g+=k\n"
"  return g\n"
" def read(s,n=-1):\n  r=bytearray()\n  b=bytearray(2048)\n"
"  while n<0 or len(r)<n:\n   k=s.readinto(b if n<0 else memoryview(b)[:min(2048,n-len(r))])\n"
"   if not k:\n    break\n   r+=b[:k]\n"
"  return r.decode() if s.t else bytes(r)\n"
" def readline(s):\n  r=bytearray()\n  b=bytearray(1)\n"
"  while s.readinto(b):\n   r+=b\n   if b[0]==10:\n    break\n"
"  return r.decode() if s.t else bytes(r)\n"
" def readlines(s):\n  return list(s)\n"
" def __iter__(s):\n  return s\n"
" def __next__(s):\n  l=s.readline()\n  if not l:\n   raise StopIteration\n  return l\n"
" def write(s,d):\n  d=d.encode() if isinstance(d,str) else d\n  s.b+=d\n"
"  if len(s.b)>=512:\n   s.flush()\n  return len(d)\n"
" def flush(s):\n  if s.w:\n   for i in range(0,len(s.b),1024):\n    s.c.rq(b'W',s.f+s.b[i:i+1024])\n   s.b=bytearray()\n"
" def close(s):\n  if s.f:\n   s.flush()\n   f=s.f\n   s.f=None\n   s.c.rq(b'C',f)\n"
" def ioctl(s,r,a):\n  if r==4:\n   s.close()\n  return 0\n"
" def __enter__(s):\n  return s\n"
" def __exit__(s,*a):\n  s.close()\n"
"class _EbV:\n"
" def __init__(s,c):\n  s.c=c\n  s.d='/'\n"
" def mount(s,r,m):\n  pass\n"
" def umount(s):\n  pass\n"
" def _p(s,p):\n  return (p if p[:1]=='/' else s.d.rstrip('/')+'/'+p).encode()\n"
" def stat(s,p):\n  m,z,t=[int(x) for x in s.c.rq(b'S',s._p(p)).split()]\n  return (m,0,0,0,0,0,z,t,t,t)\n"
" def ilistdir(s,p):\n"
"  for l in s.c.rq(b'L',s._p(p)).split(b'\\n'):\n"
"   if l:\n    yield (l[1:].decode(),0x4000 if l[0]==100 else 0x8000,0)\n"
" def open(s,p,m):\n  w='w' in m or 'a' in m\n"
"  f=int(s.c.rq(b'O',(b'a' if 'a' in m else b'w' if w else b'r')+s._p(p)))\n"
"  return _EbF(s.c,f,w,'b' not in m)\n"
" def chdir(s,p):\n  q=s._p(p).decode()\n"
"  if s.stat(q)[0]!=0x4000:\n   raise OSError(20)\n  s.d=q\n"
" def getcwd(s):\n  return s.d\n"
" def mkdir(s,p):\n  s.c.rq(b'M',s._p(p))\n"
" def remove(s,p):\n  s.c.rq(b'D',s._p(p))\n"
" def rmdir(s,p):\n  s.c.rq(b'X',s._p(p))\n"
" def rename(s,a,b):\n  s.c.rq(b'N',s._p(a)+b'\\x00'+s._p(b))\n"
" def statvfs(s,p):\n  return (1024,1024,1<<20,1<<20,1<<20,0,0,0,0,255)\n";

/* Run as a program of its own, requests served (chdir asks the host). */
static const char MPY_MOUNT_ATTACH[] =
"import os,sys\n"
"_eb_cwd=os.getcwd()\n"
"if _eb_cwd.startswith('/remote'):\n _eb_cwd='/'\n"
"try:\n os.umount('/remote')\n"
"except OSError:\n pass\n"
"os.mount(_EbV(_EbC()),'/remote')\n"
"os.chdir('/remote')\n"
"sys.path.insert(0,'/remote')\n";

/* After the program (or its Ctrl-C): /remote goes, the old folder and path
 * come back, and the modules imported from /remote are forgotten. Prints
 * "gone" when the program soft-reset the board (our definitions are gone). */
static const char MPY_MOUNT_UNMOUNT[] =
"import os,sys\n"
"if '_EbC' not in globals():\n print('gone')\n"
"try:\n os.chdir(_eb_cwd)\n"
"except Exception:\n os.chdir('/')\n"
"try:\n os.umount('/remote')\n"
"except OSError:\n pass\n"
"while '/remote' in sys.path:\n sys.path.remove('/remote')\n"
"for k in [k for k,v in sys.modules.items() if getattr(v,'__file__','').startswith('/remote')]:\n"
" del sys.modules[k]\n";
/* clang-format on */

#endif
