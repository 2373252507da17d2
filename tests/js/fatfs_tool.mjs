// fatfs_tool.mjs - ChaN's FatFs (npm js-fatfs: FatFs compiled to WebAssembly,
// what ESP-IDF and MicroPython run) as an independent reader and writer of
// FAT volumes for espburn's tests.
// usage: node tests/js/fatfs_tool.mjs list IMG [OFFSET SIZE]
//          prints one JSON document: [{path, dir, size, sha256}] for every entry
//        node tests/js/fatfs_tool.mjs make IMG SIZE SECTOR_SIZE SRC_DIR
//          formats a FAT volume of SIZE bytes with FatFs's f_mkfs and writes
//          every file of SRC_DIR into it with f_mkdir / f_write
// OFFSET/SIZE: where the volume is inside IMG (e.g. 4096 past the dummy sector
// of a wear-levelled image). js-fatfs is found in the repo's node_modules, or
// at ESPBURN_JS_FATFS (a path to its dist/fatfs.js).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const where = process.env.ESPBURN_JS_FATFS
  ? pathToFileURL(process.env.ESPBURN_JS_FATFS).href
  : new URL("../../node_modules/js-fatfs/dist/fatfs.js", import.meta.url).href;
const FatFs = await import(where);

class Volume {
  constructor(image, offset, size, sectorSize) {
    this.image = image;
    this.offset = offset;
    this.size = size;
    this.ss = sectorSize;
  }
  initialize() { return 0; }
  status() { return 0; }
  read(ff, pdrv, buff, sector, count) {
    const at = this.offset + sector * this.ss;
    ff.HEAPU8.set(this.image.subarray(at, at + count * this.ss), buff);
    return FatFs.RES_OK;
  }
  write(ff, pdrv, buff, sector, count) {
    this.image.set(ff.HEAPU8.subarray(buff, buff + count * this.ss), this.offset + sector * this.ss);
    return FatFs.RES_OK;
  }
  ioctl(ff, pdrv, cmd, buff) {
    if (cmd === FatFs.CTRL_SYNC) return FatFs.RES_OK;
    if (cmd === FatFs.GET_SECTOR_COUNT) { ff.setValue(buff, this.size / this.ss, "i32"); return FatFs.RES_OK; }
    if (cmd === FatFs.GET_SECTOR_SIZE) { ff.setValue(buff, this.ss, "i16"); return FatFs.RES_OK; }
    if (cmd === FatFs.GET_BLOCK_SIZE) { ff.setValue(buff, 1, "i32"); return FatFs.RES_OK; }
    return FatFs.RES_ERROR;
  }
}

function check(what, r) {
  if (r !== FatFs.FR_OK) {
    console.error(`FatFs ${what}: error ${r}`);
    process.exit(1);
  }
}

function readFile(ff, path, size) {
  const fp = ff.malloc(FatFs.sizeof_FIL), br = ff.malloc(4), buf = ff.malloc(Math.max(size, 1));
  check(`f_open ${path}`, ff.f_open(fp, path, FatFs.FA_READ));
  check(`f_read ${path}`, ff.f_read(fp, buf, size, br));
  const got = ff.getValue(br, "i32");
  const data = Buffer.from(ff.HEAPU8.subarray(buf, buf + got));
  check(`f_close ${path}`, ff.f_close(fp));
  ff.free(buf), ff.free(br), ff.free(fp);
  return data;
}

function list(ff, dirPath, out) {
  const dir = ff.malloc(FatFs.sizeof_DIR), info = ff.malloc(FatFs.sizeof_FILINFO);
  check(`f_opendir ${dirPath}`, ff.f_opendir(dir, dirPath));
  const entries = [];
  for (;;) {
    check("f_readdir", ff.f_readdir(dir, info));
    const name = ff.FILINFO_fname(info);
    if (name === "") break;
    entries.push({ name, dir: (ff.FILINFO_fattrib(info) & FatFs.AM_DIR) !== 0, size: ff.FILINFO_fsize(info) });
  }
  check("f_closedir", ff.f_closedir(dir));
  ff.free(info), ff.free(dir);
  for (const e of entries) {
    const path = (dirPath === "/" ? "" : dirPath) + "/" + e.name;
    if (e.dir) {
      out.push({ path, dir: true, size: 0, sha256: null });
      list(ff, path, out);
    } else {
      const data = readFile(ff, path, e.size);
      out.push({ path, dir: false, size: data.length, sha256: createHash("sha256").update(data).digest("hex") });
    }
  }
}

function writeTree(ff, host, path) {
  for (const name of readdirSync(host).sort()) {
    const h = join(host, name), p = path + "/" + name;
    if (statSync(h).isDirectory()) {
      check(`f_mkdir ${p}`, ff.f_mkdir(p));
      writeTree(ff, h, p);
      continue;
    }
    const data = readFileSync(h);
    const fp = ff.malloc(FatFs.sizeof_FIL), bw = ff.malloc(4), buf = ff.malloc(Math.max(data.length, 1));
    ff.HEAPU8.set(data, buf);
    check(`f_open ${p}`, ff.f_open(fp, p, FatFs.FA_WRITE | FatFs.FA_CREATE_ALWAYS));
    check(`f_write ${p}`, ff.f_write(fp, buf, data.length, bw));
    check(`f_close ${p}`, ff.f_close(fp));
    ff.free(buf), ff.free(bw), ff.free(fp);
  }
}

const [cmd, imgPath, ...rest] = process.argv.slice(2);
if (cmd === "list") {
  const image = readFileSync(imgPath);
  const offset = rest[0] ? Number(rest[0]) : 0;
  const size = rest[1] ? Number(rest[1]) : image.length - offset;
  const ss = image.readUInt16LE(offset + 11);
  const ff = await FatFs.create({ diskio: new Volume(image, offset, size, ss) });
  const fs = ff.malloc(FatFs.sizeof_FATFS);
  check("f_mount", ff.f_mount(fs, "", 1));
  const out = [];
  list(ff, "/", out);
  console.log(JSON.stringify(out));
} else if (cmd === "make") {
  const [sizeArg, ssArg, src] = rest;
  const size = Number(sizeArg), ss = Number(ssArg);
  const image = new Uint8Array(size).fill(0xff);
  const ff = await FatFs.create({ diskio: new Volume(image, 0, size, ss) });
  const work = ff.malloc(FatFs.FF_MAX_SS);
  check("f_mkfs", ff.f_mkfs("", { fmt: FatFs.FM_FAT | FatFs.FM_SFD, n_fat: 2, align: 0, n_root: 512, au_size: 0 },
                             work, FatFs.FF_MAX_SS));
  const fs = ff.malloc(FatFs.sizeof_FATFS);
  check("f_mount", ff.f_mount(fs, "", 1));
  writeTree(ff, src, "");
  check("f_unmount", ff.f_unmount(""));
  writeFileSync(imgPath, image);
} else {
  console.error("usage: node fatfs_tool.mjs list IMG [OFFSET SIZE] | make IMG SIZE SECTOR_SIZE SRC_DIR");
  process.exit(2);
}
