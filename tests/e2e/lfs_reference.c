/* lfs_reference.c - the reference littlefs C library (its sources are not
 * in this repository: ESPBURN_LITTLEFS_SRC names them, see
 * tests/e2e/test_fs.py) with MicroPython's esp32 configuration (read/prog
 * 32, cache 128, lookahead 32, 4096-byte blocks), as an independent reader
 * and writer of LittleFS images.
 * usage: lfs_reference ls IMG                 every entry: "D path" / "F path size crc32"
 *        lfs_reference mk IMG SIZE DIR        format and copy DIR in
 *        lfs_reference write IMG RM MV        add files and a folder, remove RM, rename MV,
 *                                             fill the disk, remount, list */
#include "lfs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <dirent.h>
#include <sys/stat.h>
static uint8_t *img; static size_t imglen;
static int rd(const struct lfs_config *c, lfs_block_t b, lfs_off_t o, void *buf, lfs_size_t n){memcpy(buf, img+b*c->block_size+o, n);return 0;}
static int pg(const struct lfs_config *c, lfs_block_t b, lfs_off_t o, const void *buf, lfs_size_t n){uint8_t*p=img+b*c->block_size+o; for(lfs_size_t i=0;i<n;i++){ if(p[i]!=0xff){fprintf(stderr,"prog on non-erased at %u+%u\n",b,o+i);} p[i]&=((const uint8_t*)buf)[i];} return 0;}
static int er(const struct lfs_config *c, lfs_block_t b){memset(img+b*c->block_size,0xff,c->block_size);return 0;}
static int sy(const struct lfs_config *c){(void)c;return 0;}
static uint8_t rb[128], pb[128], lb[32];
static struct lfs_config cfg = {.read=rd,.prog=pg,.erase=er,.sync=sy,.read_size=32,.prog_size=32,.block_size=4096,.block_cycles=100,.cache_size=128,.lookahead_size=32,.read_buffer=rb,.prog_buffer=pb,.lookahead_buffer=lb};
static lfs_t lfs;
static void ls(const char *path){
  lfs_dir_t d; struct lfs_info info; if(lfs_dir_open(&lfs,&d,path)){printf("cannot open %s\n",path);exit(1);}
  while(lfs_dir_read(&lfs,&d,&info)>0){ if(!strcmp(info.name,".")||!strcmp(info.name,".."))continue;
    char p[1024]; snprintf(p,sizeof p,"%s%s%s",path,strcmp(path,"/")?"/":"",info.name);
    if(info.type==LFS_TYPE_DIR){printf("D %s\n",p); ls(p);} else {
      lfs_file_t f; lfs_file_open(&lfs,&f,p,LFS_O_RDONLY); uint8_t *b=malloc(info.size+1); lfs_ssize_t n=lfs_file_read(&lfs,&f,b,info.size); lfs_file_close(&lfs,&f);
      printf("F %s %u %08lx%s\n",p,(unsigned)info.size,crc32(0,b,n),n==(lfs_ssize_t)info.size?"":" SHORT"); free(b);} }
  lfs_dir_close(&lfs,&d);
}
static void put(const char *host, const char *path){
  DIR *d=opendir(host); struct dirent *e;
  while((e=readdir(d))){ if(e->d_name[0]=='.'&&(!e->d_name[1]||(e->d_name[1]=='.'&&!e->d_name[2])))continue;
    char h[2048],p[2048]; snprintf(h,sizeof h,"%s/%s",host,e->d_name); snprintf(p,sizeof p,"%s/%s",path,e->d_name);
    struct stat st; stat(h,&st);
    if(S_ISDIR(st.st_mode)){ if(lfs_mkdir(&lfs,p)){printf("mkdir %s failed\n",p);exit(1);} put(h,p);} else {
      FILE*f=fopen(h,"rb"); uint8_t*b=malloc(st.st_size+1); size_t n=fread(b,1,st.st_size,f); fclose(f);
      lfs_file_t lf; if(lfs_file_open(&lfs,&lf,p,LFS_O_WRONLY|LFS_O_CREAT)){printf("open %s failed\n",p);exit(1);} if(lfs_file_write(&lfs,&lf,b,n)!=(lfs_ssize_t)n){printf("write %s failed\n",p);exit(1);} lfs_file_close(&lfs,&lf); free(b);} }
  closedir(d);
}
int main(int argc,char**argv){
  FILE*f=fopen(argv[2],"rb"); if(f){fseek(f,0,SEEK_END); imglen=ftell(f); fseek(f,0,SEEK_SET);}
  if(!strcmp(argv[1],"mk")){ imglen=strtoul(argv[3],0,0); img=malloc(imglen); memset(img,0xff,imglen); cfg.block_count=imglen/4096;
    if(lfs_format(&lfs,&cfg)||lfs_mount(&lfs,&cfg)){puts("format failed");return 1;} put(argv[4],""); lfs_unmount(&lfs);
    f=fopen(argv[2],"wb"); fwrite(img,1,imglen,f); fclose(f); return 0;}
  img=malloc(imglen); if(fread(img,1,imglen,f)!=imglen) return 1; fclose(f); cfg.block_count=imglen/4096;
  int err=lfs_mount(&lfs,&cfg); if(err){printf("mount failed %d\n",err);return 1;}
  if(!strcmp(argv[1],"ls")){ ls("/"); struct lfs_fsinfo fi; lfs_fs_stat(&lfs,&fi); fprintf(stderr,"used blocks %ld of %u, disk_version %x\n",(long)lfs_fs_size(&lfs),cfg.block_count,fi.disk_version);}
  if(!strcmp(argv[1],"write")){ /* change things, then save */
    lfs_file_t lf; uint8_t b[5000]; for(int i=0;i<5000;i++)b[i]=i*7;
    if(lfs_file_open(&lfs,&lf,"/added_by_littlefs.bin",LFS_O_WRONLY|LFS_O_CREAT)||lfs_file_write(&lfs,&lf,b,5000)!=5000||lfs_file_close(&lfs,&lf)){puts("write failed");return 1;}
    if(lfs_mkdir(&lfs,"/newdir")){puts("mkdir failed");return 1;}
    if(lfs_file_open(&lfs,&lf,"/newdir/x.txt",LFS_O_WRONLY|LFS_O_CREAT)||lfs_file_write(&lfs,&lf,"hello",5)!=5||lfs_file_close(&lfs,&lf)){puts("write2 failed");return 1;}
    if(lfs_remove(&lfs,argv[3])){printf("remove %s failed\n",argv[3]);return 1;}
    if(lfs_rename(&lfs,argv[4],"/renamed_by_littlefs")){printf("rename %s failed\n",argv[4]);return 1;}
    /* fill: write a big file to force allocation across the whole disk */
    if(lfs_file_open(&lfs,&lf,"/fill.bin",LFS_O_WRONLY|LFS_O_CREAT)){puts("fill open failed");return 1;}
    uint8_t z[4096]; memset(z,0x5a,sizeof z); lfs_ssize_t tot=0; for(;;){ lfs_ssize_t n=lfs_file_write(&lfs,&lf,z,sizeof z); if(n<0)break; tot+=n; if(tot>(lfs_ssize_t)imglen)break;} lfs_file_close(&lfs,&lf);
    lfs_unmount(&lfs); if(lfs_mount(&lfs,&cfg)){puts("remount failed");return 1;} ls("/");
    f=fopen(argv[2],"wb"); fwrite(img,1,imglen,f); fclose(f);}
  lfs_unmount(&lfs); return 0;}
