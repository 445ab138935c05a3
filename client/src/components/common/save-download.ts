/** Hands a downloaded Blob to the browser as a file to save, under `name`. */
export function saveDownload(download: { blob: Blob; filename: string | null }, fallbackName: string): void {
  const url = URL.createObjectURL(download.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = download.filename ?? fallbackName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the URL once the click's default action ran.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
