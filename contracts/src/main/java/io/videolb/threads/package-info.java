/** {@link io.videolb.threads.NamedThreads}: the one thread factory of videolb (JDK only). */
package io.videolb.threads;
